"""Scoring many (query, response) pairs with a reward model: a progress bar, bounded memory, memory handed back.

The closing evaluation of a reward-model run scores thousands of greetings (RM test pairs, the eval set's dev and
test rows) on CPU, which takes minutes. :func:`score_with_progress` feeds :meth:`harness.judges.RewardModel.rewards`
length-sorted chunks of a few batches each, so that

- a ``tqdm`` bar on stderr shows pairs scored, rate and time left (one bar per step, named by the step);
- at most one chunk's token ids and one batch's activations are alive at a time (``batch_size`` x the longest
  pair of that batch), whatever the number of pairs;
- neighbouring pairs in a batch have similar lengths (little padding), as within one ``rewards`` call.

:func:`release_memory` runs the garbage collector and asks glibc to return freed heap pages to the system: after
training, PyTorch's freed activations and optimizer state otherwise stay in the process's resident set and add to
the evaluation's peak.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from collections.abc import Sequence
from typing import Any

BATCHES_PER_CHUNK = 4
"""Batches handed to one ``rewards`` call: small enough for a smooth bar, large enough to keep batches full."""


def score_with_progress(
    model: Any,
    pairs: Sequence[tuple[str, str]],
    batch_size: int,
    desc: str,
    *,
    progress: bool = True,
    raw: bool = False,
) -> list[float]:
    """Raw rewards for (query, response) pairs, in input order, scored chunk by chunk under a progress bar.

    Args:
        model: A :class:`harness.judges.RewardModel` (anything with ``rewards(pairs, batch_size)``).
        pairs: (bare query, greeting) pairs.
        batch_size: Pairs per forward pass (the memory knob).
        desc: The bar's label, e.g. ``"RM test pairs"``.
        progress: Show the bar (on stderr); off, nothing is printed.
        raw: The model's raw outputs, without a stored length head's part (:meth:`RewardModel.rewards`).

    Returns:
        One float per pair.
    """
    from tqdm.auto import tqdm

    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
    rewards = [0.0] * len(pairs)
    chunk = max(1, batch_size * BATCHES_PER_CHUNK)
    with tqdm(total=len(pairs), desc=desc, unit="pair", file=sys.stderr, disable=not progress, leave=True) as bar:
        for start in range(0, len(order), chunk):
            rows = order[start : start + chunk]
            for i, value in zip(rows, _rewards(model, [pairs[i] for i in rows], batch_size, raw), strict=True):
                rewards[i] = value
            bar.update(len(rows))
    return rewards


def _rewards(model: Any, pairs: list[tuple[str, str]], batch_size: int, raw: bool) -> list[float]:
    """``model.rewards``; ``raw`` is passed only when asked (anything with ``rewards(pairs, batch_size)`` serves)."""
    return model.rewards(pairs, batch_size, raw=True) if raw else model.rewards(pairs, batch_size)


def release_memory() -> None:
    """Collect garbage and return freed heap memory to the system (glibc ``malloc_trim``; a no-op elsewhere)."""
    gc.collect()
    if not sys.platform.startswith("linux"):
        return
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # musl or an unusual libc: nothing to trim with
        pass
