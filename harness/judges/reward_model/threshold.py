"""The reward cut stored beside a checkpoint's weights (``greetbench_threshold.json``): read, parse, write."""

from __future__ import annotations

import json
import math
import os
import statistics
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.judges.reward_model.checkpoint import RewardModelError

THRESHOLD_FILENAME = "greetbench_threshold.json"
"""The threshold file stored in the checkpoint folder: ``{"threshold", "fit_on", "dev_accuracy", "n",
"length_model"}``."""


FIT_COMMAND = "harness.judges.reward_model.fit_and_save_threshold(checkpoint, split_eval_set(load_eval_set(path)))"
"""How to fit a missing threshold, quoted in errors."""


@dataclass(frozen=True)
class StoredThreshold:
    """A reward cut and where it came from, as stored in a checkpoint's :data:`THRESHOLD_FILENAME`.

    Attributes:
        threshold: Rewards at or above it are good.
        fit_on: Provenance of the rows it was fitted on (split method, seed, digests, counts, device, dtype).
        dev_accuracy: Accuracy of the cut on those rows.
        n: Number of rows.
        length_model: The length head (ODIN-style, arXiv 2402.07319, as a regression): ``{"intercept", "slope"}``
            of the raw reward's least-squares fit on ``log(1 + characters)`` over the same rows. When present the
            judge's score is the raw reward minus that fit (its length-free quality part), and the threshold is a
            cut on that score. None: the score is the raw reward.
    """

    threshold: float
    fit_on: dict[str, Any] = field(default_factory=dict)
    dev_accuracy: float = math.nan
    n: int = 0
    length_model: dict[str, float] | None = None

    def length_part(self, response: str) -> float:
        """The length head's value for a greeting: 0 without a length model."""
        if not self.length_model:
            return 0.0
        return self.length_model["intercept"] + self.length_model["slope"] * log_length(response)


def log_length(response: str) -> float:
    """``log(1 + characters)`` of the stripped greeting: the length feature of the length head."""
    return math.log1p(len(response.strip()))


def fit_length_model(rewards: list[float], responses: list[str]) -> dict[str, float]:
    """Least-squares fit of rewards on :func:`log_length`: the length head's ``{"intercept", "slope"}``.

    Raises:
        ValueError: Fewer than two rows, or every greeting of one length (no slope to fit).
    """
    x = [log_length(r) for r in responses]
    if len(x) < 2 or len(set(x)) < 2:
        raise ValueError("a length head needs rows of at least two different lengths")
    slope, intercept = statistics.linear_regression(x, rewards)
    return {"intercept": intercept, "slope": slope}


def threshold_path(checkpoint: str | Path) -> Path:
    """Return where a checkpoint's threshold file lives (``<checkpoint>/greetbench_threshold.json``)."""
    return Path(checkpoint) / THRESHOLD_FILENAME


def read_threshold(checkpoint: str | Path) -> StoredThreshold | None:
    """Read a checkpoint's stored threshold.

    Args:
        checkpoint: The checkpoint folder.

    Returns:
        The stored threshold, or None when the folder has no threshold file.

    Raises:
        RewardModelError: The file exists but is not valid JSON, lacks a finite numeric ``threshold``, or has
            fields of the wrong type (the message names the file).
    """
    path = threshold_path(checkpoint)
    content = _read_threshold_bytes(path)
    return None if content is None else _parse_threshold(path, content)


def _read_threshold_bytes(path: Path) -> bytes | None:
    """The threshold file's bytes, or None when there is none (the one read both the cut and the identity use)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise RewardModelError(f"{path}: cannot be read ({err})") from None


def _parse_threshold(path: Path, content: bytes) -> StoredThreshold:
    """Parse a threshold file's bytes; see :func:`read_threshold` for what is refused."""
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RewardModelError(f"{path}: cannot be read as JSON ({err})") from None
    if not isinstance(data, dict):
        raise RewardModelError(f"{path}: expected a JSON object")
    value = data.get("threshold")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RewardModelError(f"{path}: 'threshold' must be a finite number, got {value!r}")
    try:
        return StoredThreshold(
            threshold=float(value),
            fit_on=dict(data.get("fit_on") or {}),
            dev_accuracy=float(data.get("dev_accuracy", math.nan)),
            n=int(data.get("n", 0)),
            length_model=_length_model(data.get("length_model")),
        )
    except (TypeError, ValueError) as err:
        raise RewardModelError(f"{path}: malformed field ({err})") from None


def _length_model(value: Any) -> dict[str, float] | None:
    """A stored length model, checked: None, or finite ``intercept`` and ``slope``."""
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(value.get(k), int | float) and math.isfinite(value[k]) for k in ("intercept", "slope")
    ):
        raise ValueError(f"'length_model' must hold finite 'intercept' and 'slope', got {value!r}")
    return {"intercept": float(value["intercept"]), "slope": float(value["slope"])}


def save_threshold(checkpoint: str | Path, stored: StoredThreshold) -> Path:
    """Write a threshold file into a checkpoint folder, atomically (a reader never sees half a file).

    Args:
        checkpoint: The checkpoint folder (must exist).
        stored: The threshold and its provenance; ``threshold`` must be finite.

    Returns:
        The file written.

    Raises:
        ValueError: The threshold is not finite.
    """
    if not math.isfinite(stored.threshold):
        raise ValueError(f"threshold must be finite, got {stored.threshold}")
    path = threshold_path(checkpoint)
    text = json.dumps(asdict(stored), ensure_ascii=False, indent=2) + "\n"
    fd, temp = tempfile.mkstemp(prefix=".threshold-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def missing_threshold_message(checkpoint: str | Path) -> str:
    """The error text for a checkpoint without a threshold: what is missing and how to fit one."""
    return (
        f"The reward model at {checkpoint} has no threshold ({THRESHOLD_FILENAME}), so it cannot give good/bad "
        f"verdicts. Fit one on labelled dev rows with {FIT_COMMAND}, or pass threshold=... explicitly."
    )
