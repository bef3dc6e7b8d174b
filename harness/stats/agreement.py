"""How far a judge's verdicts agree with human labels: every figure with its 95% bootstrap interval, alone or
against a baseline on the same rows and resamples.

Pure numpy/scipy; no Inspect. The report (:mod:`harness.report`) feeds it one judge's rows at a time. Inputs and
undefined figures follow :mod:`harness.stats.arrays`; the figures are :mod:`harness.stats.figures`; the intervals
are :mod:`harness.stats.bootstrap` (paired percentile bootstrap, seeded; clusters for several-epoch logs; undefined
resamples dropped and counted).

Judge against baseline: :func:`paired_difference` computes both raters' figures on the *same* resamples and gives
the percentile interval of their per-resample difference (judge minus baseline), which is the interval the
question "does the judge beat the length rule?" needs; two separate intervals ignore that the two are correlated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from harness.stats.arrays import binary_array, float_array, value_or_none
from harness.stats.bootstrap import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    bootstrap_info,
    cluster_codes,
    joint_bootstrap,
    percentile_interval,
)
from harness.stats.figures import FIGURES, confusion_counts
from harness.stats.intervals import CONFIDENCE


@dataclass(frozen=True)
class Estimate:
    """One figure with its 95% bootstrap interval.

    Attributes:
        value: The figure on the rows, or None when undefined there.
        ci_low: Lower end of the percentile interval, or None (figure undefined, or too many undefined resamples).
        ci_high: Upper end, likewise.
        undefined_resamples: Resamples in which the figure was undefined (dropped from its distribution).
    """

    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    undefined_resamples: int = 0

    def format(self, digits: int = 3) -> str:
        """``0.812 [0.790, 0.833]``; ``undefined`` for no value; the value alone when there is no interval."""
        if self.value is None:
            return "undefined"
        text = f"{self.value:.{digits}f}"
        if self.ci_low is not None and self.ci_high is not None:
            text += f" [{self.ci_low:.{digits}f}, {self.ci_high:.{digits}f}]"
        return text

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return asdict(self)


@dataclass(frozen=True)
class AgreementFigures:
    """Every agreement figure of one judge against labels on one set of rows.

    Attributes:
        n: Scored rows (the rows every figure is computed on).
        unscored: Rows given to :func:`agreement_figures` with no verdict (left out of every figure).
        labelled_good: Scored rows labelled good.
        judged_good: Scored rows judged good.
        confusion: ``{"tp", "fp", "fn", "tn"}`` on the scored rows.
        figures: Figure name (:data:`FIGURES`) -> estimate; ``auc`` only when scores were given.
        bootstrap: How the intervals were made: method, resamples, seed, confidence, max undefined share.
    """

    n: int
    unscored: int
    labelled_good: int
    judged_good: int
    confusion: dict[str, int]
    figures: dict[str, Estimate]
    bootstrap: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Estimate:
        """The estimate of one figure (``figures[name]``)."""
        return self.figures[name]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return {
            "n": self.n,
            "unscored": self.unscored,
            "labelled_good": self.labelled_good,
            "judged_good": self.judged_good,
            "confusion": dict(self.confusion),
            "figures": {name: estimate.to_dict() for name, estimate in self.figures.items()},
            "bootstrap": dict(self.bootstrap),
        }


def _scored_rows(
    verdicts: Sequence[float | int | None] | ArrayLike,
    labels: ArrayLike,
    scores: Sequence[float | None] | ArrayLike | None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64] | None, int]:
    """(verdicts, labels, scores) of the scored rows, and how many rows were unscored (verdict None or NaN)."""
    raw = float_array(verdicts)
    y = np.asarray(labels, dtype=np.float64)
    if raw.shape != y.shape or raw.ndim != 1:
        raise ValueError(f"{raw.shape} verdicts but {y.shape} labels: give one of each per row")
    binary_array(y, "labels")
    keep = ~np.isnan(raw)
    v = binary_array(raw[keep], "verdicts")
    s = None
    if scores is not None:
        s_all = float_array(scores)
        if s_all.shape != y.shape:
            raise ValueError(f"{s_all.shape} scores but {y.shape} labels")
        s = s_all[keep]
    return v, y[keep], s, int((~keep).sum())


def _estimates(
    names: Sequence[str], points: NDArray[np.float64], distribution: NDArray[np.float64] | None, confidence: float
) -> dict[str, Estimate]:
    """Figure name -> estimate from one rater's points and distribution (rows in :data:`FIGURES` order)."""
    out = {}
    for name in names:
        i = FIGURES.index(name)
        value = value_or_none(float(points[i]))
        low, high, undefined = (None, None, 0)
        if distribution is not None:
            low, high, undefined = percentile_interval(distribution[i], confidence)
        if value is None:
            low = high = None
        out[name] = Estimate(value, low, high, undefined)
    return out


def _has_auc(s: NDArray[np.float64] | None) -> bool:
    return s is not None and len(s) > 0 and bool(np.all(np.isfinite(s)))


def agreement_figures(
    verdicts: Sequence[float | int | None] | ArrayLike,
    labels: ArrayLike,
    scores: Sequence[float | None] | ArrayLike | None = None,
    *,
    clusters: Sequence[Any] | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = CONFIDENCE,
) -> AgreementFigures:
    """Accuracy, precision, recall, F1, Cohen's kappa, MCC (and AUC with scores), each with a bootstrap interval.

    Edge cases:
        - Rows with verdict None/NaN are unscored: counted, then dropped before anything is computed.
        - No scored rows: every figure None, no intervals.
        - Undefined figures and degenerate resamples: see the module docstring.
        - AUC needs a finite score on every scored row; if any scored row lacks one, AUC is None (a subset AUC
          would not be on the same rows as the other figures).
        - ``n_resamples=0``, or fewer than two scored rows (clusters), gives point estimates only.
        - ``clusters`` with every row its own cluster is the plain row bootstrap (same intervals as without).

    Args:
        verdicts: 1 (good), 0 (bad) or None (unscored), one per row.
        labels: 1 or 0, one per row.
        scores: Optional continuous scores (higher = better; e.g. reward or length), one per row.
        clusters: Optional cluster id per row (the sample id when a log has several epochs): the bootstrap then
            resamples clusters and takes all their rows, since epochs of one sample are not independent rows.
        n_resamples: Bootstrap resamples.
        seed: Bootstrap seed.
        confidence: Two-sided confidence level.

    Returns:
        The figures.

    Raises:
        ValueError: Lengths differ, or a label or verdict is not 0/1.
    """
    v, y, s, unscored = _scored_rows(verdicts, labels, scores)
    keep = ~np.isnan(float_array(verdicts))
    if clusters is not None and len(clusters) != len(keep):
        raise ValueError(f"{len(clusters)} cluster ids for {len(keep)} rows")
    codes = cluster_codes(None if clusters is None else [c for c, k in zip(clusters, keep, strict=True) if k], len(v))
    names = [name for name in FIGURES if name != "auc" or scores is not None]
    info = bootstrap_info(n_resamples, seed, confidence, codes)
    if len(v) == 0:
        figures = {name: Estimate(None) for name in names}
        return AgreementFigures(0, unscored, 0, 0, {"tp": 0, "fp": 0, "fn": 0, "tn": 0}, figures, info)
    points, distribution = joint_bootstrap([(v, s if _has_auc(s) else None)], y, codes, n_resamples, seed, confidence)
    figures = _estimates(names, points[0], None if distribution is None else distribution[0], confidence)
    return AgreementFigures(len(v), unscored, int(y.sum()), int(v.sum()), confusion_counts(v, y), figures, info)


DIFFERENCE_FIGURES = ("accuracy", "kappa", "auc")
"""The figures :func:`paired_difference` gives a judge-minus-baseline interval for (``auc`` only with both scores)."""


@dataclass(frozen=True)
class PairedDifference:
    """A judge against a baseline on the same rows and the same resamples, and their difference.

    Attributes:
        n: Rows where both gave a verdict (the rows of every figure here).
        judge: The judge's figures on those rows (``unscored``: rows the judge left unscored).
        baseline: The baseline's figures on those rows (``unscored``: rows the judge scored and it did not).
        difference: Figure name (:data:`DIFFERENCE_FIGURES`) -> judge minus baseline, with the percentile interval
            of the per-resample differences; a resample where either figure is undefined is dropped (counted).
        bootstrap: How the intervals were made (as in :class:`AgreementFigures`).
    """

    n: int
    judge: AgreementFigures
    baseline: AgreementFigures
    difference: dict[str, Estimate]
    bootstrap: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return {
            "n": self.n,
            "judge": self.judge.to_dict(),
            "baseline": self.baseline.to_dict(),
            "difference": {name: estimate.to_dict() for name, estimate in self.difference.items()},
            "bootstrap": dict(self.bootstrap),
        }


def paired_difference(
    verdicts: Sequence[float | int | None] | ArrayLike,
    baseline_verdicts: Sequence[float | int | None] | ArrayLike,
    labels: ArrayLike,
    scores: Sequence[float | None] | ArrayLike | None = None,
    baseline_scores: Sequence[float | None] | ArrayLike | None = None,
    *,
    clusters: Sequence[Any] | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = CONFIDENCE,
) -> PairedDifference:
    """Judge minus baseline (accuracy, kappa; AUC where both have scores), each with a paired bootstrap interval.

    Both raters' figures come from one bootstrap: every resample's judge figure and baseline figure are on the
    same rows, so the interval of their difference accounts for the two being correlated (the same hard rows
    trip both); two separate intervals would not answer "does the judge beat the baseline". With the same rows,
    seed and resamples, the judge's and baseline's intervals equal those of :func:`agreement_figures`.

    Edge cases:
        - Only rows where both verdicts are given count; the others are counted as unscored.
        - A difference is None when either figure is undefined on the rows; resamples where either is undefined
          are dropped and counted, and with more than :data:`MAX_UNDEFINED_SHARE` of them there is no interval.
        - AUC's difference needs finite scores from both on every row; otherwise it is None (listed only when
          both ``scores`` and ``baseline_scores`` are given).

    Args:
        verdicts: The judge's verdicts, 1/0/None per row.
        baseline_verdicts: The baseline's verdicts (e.g. the length rule), 1/0/None per row.
        labels: 1 or 0 per row.
        scores: The judge's optional scores (e.g. P(good) or reward).
        baseline_scores: The baseline's optional scores (e.g. length).
        clusters: Optional cluster id per row (see :func:`agreement_figures`).
        n_resamples: Bootstrap resamples.
        seed: Bootstrap seed.
        confidence: Two-sided confidence level.

    Returns:
        The comparison.

    Raises:
        ValueError: Lengths differ, or a label or verdict is not 0/1.
    """
    judge_raw, base_raw = float_array(verdicts), float_array(baseline_verdicts)
    y_all = np.asarray(labels, dtype=np.float64)
    if not (judge_raw.shape == base_raw.shape == y_all.shape) or y_all.ndim != 1:
        raise ValueError("verdicts, baseline verdicts and labels must have one entry per row")
    if clusters is not None and len(clusters) != len(y_all):
        raise ValueError(f"{len(clusters)} cluster ids for {len(y_all)} rows")
    both = ~np.isnan(judge_raw) & ~np.isnan(base_raw)
    pick = np.flatnonzero(both)

    def rows(values: Sequence[float | None] | ArrayLike | None) -> NDArray[np.float64] | None:
        if values is None:
            return None
        array = float_array(values)
        if array.shape != y_all.shape:
            raise ValueError(f"{array.shape} scores but {y_all.shape} labels")
        return array[pick]

    v, b, y = binary_array(judge_raw[pick], "verdicts"), binary_array(base_raw[pick], "baseline verdicts"), y_all[pick]
    binary_array(y, "labels")
    s, sb = rows(scores), rows(baseline_scores)
    codes = cluster_codes(None if clusters is None else [clusters[i] for i in pick], len(pick))
    info = bootstrap_info(n_resamples, seed, confidence, codes)
    judge_unscored = int(np.isnan(judge_raw).sum())
    base_unscored = int((~np.isnan(judge_raw) & np.isnan(base_raw)).sum())
    names = [n for n in FIGURES if n != "auc" or scores is not None]
    base_names = [n for n in FIGURES if n != "auc" or baseline_scores is not None]
    diff_names = [n for n in DIFFERENCE_FIGURES if n != "auc" or (scores is not None and baseline_scores is not None)]
    if len(y) == 0:
        empty = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
        return PairedDifference(
            0,
            AgreementFigures(0, judge_unscored, 0, 0, empty, {n: Estimate(None) for n in names}, info),
            AgreementFigures(0, base_unscored, 0, 0, dict(empty), {n: Estimate(None) for n in base_names}, info),
            {n: Estimate(None) for n in diff_names},
            info,
        )
    raters = [(v, s if _has_auc(s) else None), (b, sb if _has_auc(sb) else None)]
    points, distribution = joint_bootstrap(raters, y, codes, n_resamples, seed, confidence)
    judge = AgreementFigures(
        len(y),
        judge_unscored,
        int(y.sum()),
        int(v.sum()),
        confusion_counts(v, y),
        _estimates(names, points[0], None if distribution is None else distribution[0], confidence),
        info,
    )
    baseline = AgreementFigures(
        len(y),
        base_unscored,
        int(y.sum()),
        int(b.sum()),
        confusion_counts(b, y),
        _estimates(base_names, points[1], None if distribution is None else distribution[1], confidence),
        info,
    )
    delta = points[0] - points[1]  # NaN where either is undefined
    spread = None if distribution is None else distribution[0] - distribution[1]
    return PairedDifference(len(y), judge, baseline, _estimates(diff_names, delta, spread, confidence), info)
