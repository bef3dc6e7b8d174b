"""Fitting a checkpoint's threshold on labelled rows and storing it beside the weights."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.data import EvalSplit, LabelledGreeting
from harness.hashing import sha256_hex
from harness.judges.reward_model.model import _CACHE, _CACHE_LOCK, DEFAULT_BATCH_SIZE, RewardModel
from harness.judges.reward_model.threshold import StoredThreshold, fit_length_model, save_threshold
from harness.stats import cut_accuracy, fit_threshold


def rows_digest(rows: Sequence[LabelledGreeting]) -> str:
    """SHA-256 (hex) of the rows' (query, response, label) in order, as compact JSON: which rows a fit saw."""
    content = [[row.query, row.response, row.label] for row in rows]
    return sha256_hex(json.dumps(content, ensure_ascii=False, separators=(",", ":")))


def fitted_threshold(
    raw_rewards: Sequence[float],
    rows: Sequence[LabelledGreeting],
    fit_on: dict[str, Any],
    *,
    length_head: bool = False,
) -> tuple[StoredThreshold, list[float]]:
    """Fit the cut (and, with ``length_head``, the length head first) on labelled rows' raw rewards.

    Args:
        raw_rewards: The model's raw outputs on ``rows`` (``RewardModel.rewards(..., raw=True)``).
        rows: The labelled rows, in the same order.
        fit_on: Provenance to record (device, dtype, split); the rows' count and digest are added.
        length_head: Fit ``raw ~ a + b log(1 + chars)`` and cut the residual (the length-free quality part).

    Returns:
        What to store, and the scores the cut was fitted on (raw rewards, or their residuals).

    Raises:
        ValueError: The rows hold only one label, or (length head) only one length.
    """
    labels = [row.label for row in rows]
    if len(set(labels)) < 2:
        raise ValueError(f"fitting a threshold needs rows of both labels; got {len(labels)} rows, labels {set(labels)}")
    responses = [row.response for row in rows]
    length_model = fit_length_model(list(raw_rewards), responses) if length_head else None
    partial = StoredThreshold(threshold=0.0, length_model=length_model)
    scores = [reward - partial.length_part(text) for reward, text in zip(raw_rewards, responses, strict=True)]
    cut = fit_threshold(scores, labels)
    stored = StoredThreshold(
        threshold=cut,
        fit_on={**fit_on, "rows": len(rows), "rows_sha256": rows_digest(rows)},
        dev_accuracy=cut_accuracy(scores, labels, cut),
        n=len(rows),
        length_model=length_model,
    )
    return stored, scores


def store_threshold(model: RewardModel, stored: StoredThreshold) -> None:
    """Write the threshold file beside the weights; every cached load of this checkpoint sees it at once."""
    save_threshold(model.path, stored)
    with _CACHE_LOCK:
        for (path, _, _), loaded in _CACHE.items():
            if path == str(model.path):
                loaded.stored = stored
    model.stored = stored


def fit_and_save_threshold(
    checkpoint: str | Path,
    rows: EvalSplit | Sequence[LabelledGreeting],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: str | None = None,
    dtype: str | None = None,
    length_head: bool | None = None,
) -> StoredThreshold:
    """Score labelled rows with a checkpoint, fit its threshold (:func:`fitted_threshold`), store it.

    Given an :class:`~harness.data.EvalSplit`, fits on its dev side and records the split's provenance; given
    rows, records their count and digest. Either way ``fit_on`` also records the rows' digest, the device and the
    dtype. An existing threshold file is replaced; every cached :class:`RewardModel` of this checkpoint (any device,
    any dtype) sees the new threshold at once.

    Args:
        checkpoint: The reward-model folder (written to).
        rows: An eval split (its dev side is used) or labelled rows.
        batch_size: Pairs per forward pass.
        device: As :meth:`RewardModel.load`.
        dtype: As :meth:`RewardModel.load`.
        length_head: Fit a length head too; None keeps what the stored threshold had (none when there is none).

    Returns:
        What was stored.

    Raises:
        ValueError: The rows are empty or hold only one label (a cut fitted there separates nothing).
        RewardModelError: As :meth:`RewardModel.load`.
    """
    if isinstance(rows, EvalSplit):
        fit_rows, fit_on = rows.dev, {"side": "dev", "split": rows.to_dict()}
    else:
        fit_rows, fit_on = tuple(rows), {}
    if len({row.label for row in fit_rows}) < 2:
        raise ValueError(f"fitting a threshold needs rows of both labels; got {len(fit_rows)} rows")
    model = RewardModel.load(checkpoint, device=device, dtype=dtype)
    if length_head is None:
        length_head = bool(model.stored and model.stored.length_model)
    raw = model.rewards([(row.query, row.response) for row in fit_rows], batch_size, raw=True)
    stored, _ = fitted_threshold(
        raw, fit_rows, {**fit_on, "device": model.device, "dtype": model.dtype}, length_head=length_head
    )
    store_threshold(model, stored)
    return stored
