"""Balanced accuracy: the mean of recall on good-labelled rows and recall on bad-labelled rows.

Plain accuracy rewards a broken judge on an imbalanced slice: rules under which the Detector says "bad" to
everything score the share of bad rows, which beats an honest judge whenever bad rows are common enough. Balanced
accuracy gives every constant judge 0.5 whatever the label mix, so a judge must tell the two classes apart to score
above it. Candidates are chosen by it (:func:`balanced_accuracy`, an unscored verdict counting as a miss), and the
before/after report gives it beside accuracy with paired bootstrap intervals (:func:`paired_balanced_accuracy`).

Undefined follows :mod:`harness.stats.arrays`: with no good-labelled or no bad-labelled row one recall has no
denominator, and balanced accuracy is None there, never a conventional value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from harness.stats import CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_SEED, FIGURES, Estimate, recall
from harness.stats.arrays import binary_array, float_array, value_or_none
from harness.stats.bootstrap import joint_bootstrap, percentile_interval

_RECALL = FIGURES.index("recall")


def balanced_accuracy(verdicts: Sequence[int | None], labels: Sequence[int]) -> float | None:
    """Mean of recall on good-labelled and recall on bad-labelled rows, an unscored verdict counting as a miss.

    Edge cases:
        - An unscored verdict (None) is wrong on either label: a good row left unscored lowers the good recall,
          a bad one the bad recall. Rules that make the Detector's output unreadable never gain by it.
        - No good-labelled or no bad-labelled row (one label only, or no rows): None, since a slice with one label
          cannot tell a judge from a constant.

    Args:
        verdicts: 1 (good), 0 (bad) or None (unscored), one per row.
        labels: 1 or 0, one per row.

    Raises:
        ValueError: Lengths differ, or a label or verdict is not 0/1/None.
    """
    if len(verdicts) != len(labels):
        raise ValueError(f"{len(verdicts)} verdicts but {len(labels)} labels")
    # None becomes the wrong verdict for the row's label: bad on a good row, good on a bad row
    as_missed = [1 - label if v is None else v for v, label in zip(verdicts, labels, strict=True)]
    good_recall = recall(as_missed, labels)
    bad_recall = recall([1 - v for v in as_missed], [1 - label for label in labels])
    if good_recall is None or bad_recall is None:
        return None
    return (good_recall + bad_recall) / 2


@dataclass(frozen=True)
class BalancedComparison:
    """Balanced accuracy of a judge and a baseline on the same rows, and judge minus baseline.

    Attributes:
        n: Rows where both gave a verdict (the rows of all three).
        judge: The judge's balanced accuracy with its interval.
        baseline: The baseline's, likewise.
        difference: Judge minus baseline with the percentile interval of the per-resample differences.
    """

    n: int
    judge: Estimate
    baseline: Estimate
    difference: Estimate


def paired_balanced_accuracy(
    verdicts: Sequence[int | None],
    baseline_verdicts: Sequence[int | None],
    labels: Sequence[int],
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = CONFIDENCE,
) -> BalancedComparison:
    """Balanced accuracy of a judge and a baseline on the rows both scored, each with a paired bootstrap interval.

    The rows are those of :func:`harness.stats.paired_difference` (both verdicts given; the others are left out,
    as for the report's accuracy), and so are the resamples: the two recalls come from two
    :func:`~harness.stats.bootstrap.joint_bootstrap` calls on the same rows, seed and resample count, which draw
    the same resamples, one with the labels as they are (good recall) and one with verdicts and labels flipped
    (bad recall). A resample without a good or a bad row leaves balanced accuracy undefined there; it is dropped
    and, past :data:`~harness.stats.MAX_UNDEFINED_SHARE` of them, there is no interval.

    Edge cases:
        - No row scored by both: every estimate None.
        - One label only on those rows: every value None (see :func:`balanced_accuracy`).
        - ``n_resamples=0`` or fewer than two rows: point values, no intervals.

    Args:
        verdicts: The judge's verdicts, 1/0/None per row.
        baseline_verdicts: The baseline's verdicts, 1/0/None per row.
        labels: 1 or 0 per row.
        n_resamples: Bootstrap resamples.
        seed: Bootstrap seed.
        confidence: Two-sided confidence level.

    Raises:
        ValueError: Lengths differ, or a label or verdict is not 0/1/None.
    """
    judge_raw, base_raw = float_array(verdicts), float_array(baseline_verdicts)
    y_all = np.asarray(labels, dtype=np.float64)
    if not (judge_raw.shape == base_raw.shape == y_all.shape) or y_all.ndim != 1:
        raise ValueError("verdicts, baseline verdicts and labels must have one entry per row")
    pick = ~np.isnan(judge_raw) & ~np.isnan(base_raw)
    v, b = binary_array(judge_raw[pick], "verdicts"), binary_array(base_raw[pick], "baseline verdicts")
    y = binary_array(y_all[pick], "labels")
    if len(y) == 0:
        return BalancedComparison(0, Estimate(None), Estimate(None), Estimate(None))
    good_points, good_spread = joint_bootstrap([(v, None), (b, None)], y, None, n_resamples, seed, confidence)
    bad_points, bad_spread = joint_bootstrap([(1 - v, None), (1 - b, None)], 1 - y, None, n_resamples, seed, confidence)
    points = (good_points[:, _RECALL] + bad_points[:, _RECALL]) / 2  # NaN where a label is missing
    spread = None if good_spread is None or bad_spread is None else (good_spread + bad_spread)[:, _RECALL] / 2

    def estimate(value: float, distribution: np.ndarray | None) -> Estimate:
        if value_or_none(value) is None:
            return Estimate(None)
        if distribution is None:
            return Estimate(float(value))
        low, high, undefined = percentile_interval(distribution, confidence)
        return Estimate(float(value), low, high, undefined)

    return BalancedComparison(
        len(y),
        estimate(points[0], None if spread is None else spread[0]),
        estimate(points[1], None if spread is None else spread[1]),
        estimate(points[0] - points[1], None if spread is None else spread[0] - spread[1]),
    )
