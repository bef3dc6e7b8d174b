"""Accuracy-maximising cuts: "good iff value >= cut", fitted on labelled rows.

One search serves every cut greetbench fits: the length rule's cut in characters
(:func:`harness.judges.baselines.fit_length_threshold`), the reward model's cut on raw rewards and the P(good) cut
of a calibrated judge (:func:`fit_threshold`). The search (:func:`best_split`) goes once over the sorted distinct
values; the callers differ only in where they place the cut inside the winning gap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def cut_accuracy(values: Sequence[float], labels: Sequence[int], cut: float) -> float:
    """Accuracy of "good iff value >= cut" against 0/1 labels (nan for no rows)."""
    if not values:
        return math.nan
    return sum((r >= cut) == bool(y) for r, y in zip(values, labels, strict=True)) / len(values)


def best_split(values: Sequence[float], labels: Sequence[int]) -> tuple[list[float], int]:
    """The most accurate split of the sorted distinct values into a bad side and a good side.

    Split ``k`` calls ``distinct[k:]`` good and ``distinct[:k]`` bad, for ``k`` from 0 (all good) to
    ``len(distinct)`` (all bad). Rows with equal values always fall on the same side, so a tie with mixed labels
    is never split. Among equally accurate splits the lowest ``k`` wins, so the answer is deterministic.

    Args:
        values: One value per row; all finite.
        labels: 1 (good) or 0 (bad), one per row.

    Returns:
        ``(distinct, k)``: the sorted distinct values and the winning split.

    Raises:
        ValueError: No rows, lengths differ, a label is not the integer 0 or 1, or a value is not finite.
    """
    if len(values) != len(labels):
        raise ValueError(f"{len(values)} values but {len(labels)} labels")
    if not values:
        raise ValueError("cannot fit a threshold on no rows")
    if any(y not in (0, 1) or isinstance(y, bool) for y in labels):
        raise ValueError("labels must be the integers 0 and 1")
    if not all(math.isfinite(r) for r in values):
        raise ValueError("values must all be finite")
    distinct = sorted(set(values))
    good = dict.fromkeys(distinct, 0)
    bad = dict.fromkeys(distinct, 0)
    for value, label in zip(values, labels, strict=True):
        (good if label else bad)[value] += 1
    # Split k puts distinct[k:] on the good side: correct = bad rows below the cut + good rows at or above it.
    correct = sum(good.values())
    best_k, best_correct = 0, correct
    for k in range(1, len(distinct) + 1):
        below = distinct[k - 1]
        correct += bad[below] - good[below]
        if correct > best_correct:
            best_k, best_correct = k, correct
    return distinct, best_k


def fit_threshold(values: Sequence[float], labels: Sequence[int]) -> float:
    """Fit the cut that maximises accuracy of "good iff value >= cut" on labelled rows (rewards, P(good)).

    The candidate cuts are every place the sorted distinct values can be split (:func:`best_split`): the midpoint
    between each pair of neighbouring distinct values, plus the two outer cuts, "all good" (the smallest value) and
    "all bad" (the next float above the largest value). The cut with the highest accuracy wins; among equally
    accurate cuts, the lowest wins.

    Edge cases:
        - Every row has one label: all good gives the smallest value (everything at or above it is good); all bad
          gives the next float above the largest value. Such a cut separates nothing; fit on rows of both labels.
        - Tied values with mixed labels cannot be split; the cut goes below or above the whole tie.
        - A midpoint that rounds onto the lower neighbour (neighbours one float apart) becomes the upper one.

    Args:
        values: Raw values (e.g. rewards), one per row; all finite.
        labels: 1 (good) or 0 (bad), one per row.

    Returns:
        The cut.

    Raises:
        ValueError: No rows, lengths differ, a label is not 0/1, or a value is not finite.
    """
    distinct, k = best_split(values, labels)
    if k == 0:
        return distinct[0]
    if k == len(distinct):
        return math.nextafter(distinct[-1], math.inf)
    low, high = distinct[k - 1], distinct[k]
    middle = (low + high) / 2
    return middle if middle > low else high


def fit_integer_threshold(values: Sequence[int], labels: Sequence[int]) -> int:
    """Fit the whole-number cut that maximises accuracy of "good iff value >= cut" (e.g. lengths in characters).

    Every observed value, and one past the largest, is a candidate; among equally accurate cuts the smallest wins
    (the same search as :func:`fit_threshold`, with the cut at the winning gap's upper value).

    Edge cases: every row good gives the smallest value; every row bad gives the largest value plus one.

    Args:
        values: Whole-number values, one per row.
        labels: 1 (good) or 0 (bad), one per row.

    Returns:
        The cut.

    Raises:
        ValueError: No rows, lengths differ, or a label is not the integer 0 or 1.
    """
    distinct, k = best_split(values, labels)
    return int(distinct[k]) if k < len(distinct) else int(distinct[-1]) + 1
