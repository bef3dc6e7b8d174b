"""Fitting a checkpoint's threshold on labelled rows and storing it beside the weights."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from harness.data import EvalSplit, LabelledGreeting
from harness.hashing import sha256_hex
from harness.judges.reward_model.model import _CACHE, _CACHE_LOCK, DEFAULT_BATCH_SIZE, RewardModel
from harness.judges.reward_model.threshold import StoredThreshold, save_threshold
from harness.stats import cut_accuracy, fit_threshold


def rows_digest(rows: Sequence[LabelledGreeting]) -> str:
    """SHA-256 (hex) of the rows' (query, response, label) in order, as compact JSON: which rows a fit saw."""
    content = [[row.query, row.response, row.label] for row in rows]
    return sha256_hex(json.dumps(content, ensure_ascii=False, separators=(",", ":")))


def fit_and_save_threshold(
    checkpoint: str | Path,
    rows: EvalSplit | Sequence[LabelledGreeting],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: str | None = None,
    dtype: str | None = None,
) -> StoredThreshold:
    """Score labelled rows with a checkpoint, fit its threshold (:func:`harness.stats.fit_threshold`), store it.

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
    labels = [row.label for row in fit_rows]
    if len(set(labels)) < 2:
        raise ValueError(f"fitting a threshold needs rows of both labels; got {len(labels)} rows, labels {set(labels)}")
    model = RewardModel.load(checkpoint, device=device, dtype=dtype)
    rewards = model.rewards([(row.query, row.response) for row in fit_rows], batch_size)
    cut = fit_threshold(rewards, labels)
    stored = StoredThreshold(
        threshold=cut,
        fit_on={
            **fit_on,
            "rows": len(fit_rows),
            "rows_sha256": rows_digest(fit_rows),
            "device": model.device,
            "dtype": model.dtype,
        },
        dev_accuracy=cut_accuracy(rewards, labels, cut),
        n=len(fit_rows),
    )
    save_threshold(model.path, stored)
    with _CACHE_LOCK:
        for (path, _, _), loaded in _CACHE.items():
            if path == str(model.path):
                loaded.stored = stored
    return stored
