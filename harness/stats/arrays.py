"""How rows reach the statistics: 0/1/None inputs as float arrays, and undefined figures as NaN or None.

Conventions, applied everywhere in :mod:`harness.stats`:

- A verdict, a label and a prediction are 0 (bad) or 1 (good); *positive* means good.
- A row whose verdict is None (or NaN) is *unscored*: counted and left out of every figure.
- A figure that is undefined on its rows (a ratio with a zero denominator) is NaN inside array code and None in a
  reported value; it is never given a conventional value such as 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray


def float_array(values: Sequence[float | int | None] | ArrayLike) -> NDArray[np.float64]:
    """A float array with None as NaN (an unscored row stays in place, as NaN)."""
    return np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)  # type: ignore[union-attr]


def binary_array(values: ArrayLike, what: str) -> NDArray[np.float64]:
    """``values`` as a float array, checked to be one-dimensional and all 0 or 1.

    Raises:
        ValueError: Not one-dimensional, or a value other than 0 and 1 (NaN included); ``what`` names the input.
    """
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{what} must be one-dimensional")
    if not np.all((array == 0) | (array == 1)):
        raise ValueError(f"{what} must all be 0 or 1")
    return array


def safe_ratio(numerator: NDArray[np.float64], denominator: NDArray[np.float64]) -> NDArray[np.float64]:
    """numerator / denominator, NaN where the denominator is 0 (no warnings)."""
    out = np.full(np.shape(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def value_or_none(value: float) -> float | None:
    """A figure as reported: None when it is NaN (undefined), else a plain float."""
    return None if math.isnan(value) else float(value)
