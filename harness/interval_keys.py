"""How a figure's 95% interval is named beside it: ``<figure>_ci_low`` and ``<figure>_ci_high``.

One convention for every flat mapping greetbench writes or reads: the metrics its Inspect metrics return (and so
the keys of a log's ``results``), the leaderboard's columns and the probe cards. Writers name the keys with
:func:`interval_keys` (or :func:`with_interval`); readers look them up the same way (:func:`interval_of`,
:func:`figures_with_intervals`), so no reader strips suffixes to guess which key is an interval.

Why flat keys rather than ``{"value", "low", "high"}`` or Inspect's ``ci_wilson()``: Inspect turns a metric's
mapping into log metrics named by the mapping's keys alone (``value``, ``low`` ... made unique across a scorer's
metrics as ``value2``), so a mapping would drop the figure's name from the log; ``ci_wilson()`` reports one
``lower``/``upper`` pair per scorer, which fits a judge's one rate but not ``label_agreement``'s dozen figures or a
probe run's per-family rates. Flat keys keep every figure addressable by name in the log, ``inspect view`` and
every log already on a board.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

CI_LOW = "_ci_low"
CI_HIGH = "_ci_high"


class FigureWithInterval(NamedTuple):
    """A figure and its 95% interval (either end None when not reported)."""

    value: float | None
    low: float | None
    high: float | None


def interval_keys(figure: str) -> tuple[str, str]:
    """The keys of a figure's interval ends: ``(<figure>_ci_low, <figure>_ci_high)``."""
    return f"{figure}{CI_LOW}", f"{figure}{CI_HIGH}"


def with_interval(figure: str, value: float | None, low: float | None, high: float | None) -> dict[str, float]:
    """``{figure: value, <figure>_ci_low: low, <figure>_ci_high: high}``, None given as NaN (Inspect needs floats)."""
    low_key, high_key = interval_keys(figure)
    return {key: math.nan if x is None else float(x) for key, x in ((figure, value), (low_key, low), (high_key, high))}


def interval_of(values: Mapping[str, float | None], figure: str) -> tuple[float | None, float | None]:
    """A figure's interval ends from a flat mapping; None for an end that is absent (a NaN end is returned as is)."""
    low_key, high_key = interval_keys(figure)
    return values.get(low_key), values.get(high_key)


def figures_with_intervals(values: Mapping[str, float | None]) -> dict[str, FigureWithInterval]:
    """Every figure of a flat mapping with its interval, the interval keys themselves not counted as figures.

    A key is an interval end only when its figure is present too: a lone ``x_ci_low`` is kept as a figure of its
    own rather than dropped. Order follows the mapping.
    """
    ends = {key for name in values for key in interval_keys(name) if key in values}
    return {
        name: FigureWithInterval(value, *interval_of(values, name))
        for name, value in values.items()
        if name not in ends
    }
