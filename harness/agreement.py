"""How far a judge's verdicts agree with human labels, with 95% bootstrap intervals, by length and beyond length.

Pure numpy/scipy; no Inspect. The report (:mod:`harness.report`) feeds it one judge's rows at a time.

Conventions, applied everywhere in this module:

- A verdict, a label and a prediction are 0 (bad) or 1 (good); *positive* means good.
- A row whose verdict is None (or NaN) is *unscored*: counted in ``unscored`` and left out of every figure.
- A figure that is undefined on the rows it is computed on (precision with no predicted positives, recall or AUC
  with no positive labels, MCC with an empty margin, kappa when chance agreement is 1, anything on no rows) is
  None in the point estimate and NaN inside the bootstrap. No figure is ever given a conventional value (such as
  0) for an undefined case.

Bootstrap (:data:`BOOTSTRAP_METHOD`): rows are resampled in pairs (verdict, label, score together; one index
vector per resample, shared by every figure) with ``scipy.stats.bootstrap(paired=True, method="percentile")``,
:data:`DEFAULT_RESAMPLES` resamples from a fixed seed (:data:`DEFAULT_SEED`), so a report is reproducible.
The percentile method was chosen over BCa because BCa needs a jackknife over every row (n extra evaluations of
every figure, for n up to 2,000 rows and a dozen slices per card) and returns NaN as soon as one jackknife or
bootstrap value is undefined, which happens routinely for precision and MCC on small slices.

Epochs: when a log scores each sample several times, its epoch rows are not independent draws, and resampling
them as rows would make intervals too narrow. Pass ``clusters`` (the sample id of each row): the bootstrap then
resamples sample ids and takes all their rows (a cluster bootstrap); with one row per id it is the row bootstrap.

Judge against baseline: :func:`paired_difference` computes both raters' figures on the *same* resamples and gives
the percentile interval of their per-resample difference (judge minus baseline), which is the interval the
question "does the judge beat the length rule?" needs; two separate intervals ignore that the two are correlated.

Degenerate resamples: a resample in which a figure is undefined (e.g. no predicted positives for precision) is
dropped from that figure's bootstrap distribution, and the interval is the percentile interval of the remaining
resamples, i.e. conditional on the figure being defined, like the point estimate. The number dropped is reported
(``undefined_resamples``). When more than :data:`MAX_UNDEFINED_SHARE` of the resamples are undefined the slice is
too small for that figure and no interval is given (``ci_low``/``ci_high`` None). An interval of zero width (every
resample gives the same value, e.g. accuracy 1.0 on every resample) is reported as it is.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats

CONFIDENCE = 0.95
"""Two-sided confidence level of every interval."""

DEFAULT_RESAMPLES = 2000
"""Bootstrap resamples per slice."""

DEFAULT_SEED = 2508_21476
"""Seed of the bootstrap generator (the paper's arXiv number)."""

BOOTSTRAP_METHOD = "percentile"
"""``scipy.stats.bootstrap`` method; see the module docstring for why not BCa."""

MAX_UNDEFINED_SHARE = 0.05
"""Largest share of undefined resamples for which an interval is still given."""

FIGURES = ("accuracy", "precision", "recall", "f1", "kappa", "mcc", "auc")
"""Every figure :func:`agreement_figures` reports, in display order (``auc`` only with scores)."""

STRATA = 5
"""Length strata: quintiles."""

SEPARATION_BOUND = 15.0
"""A fitted verdict coefficient beyond this (an odds ratio above ~3.3 million) is taken as (quasi-)separation."""


# --- one figure at a time -----------------------------------------------------------------------------------------


def _floats(values: Sequence[float | int | None] | ArrayLike) -> NDArray[np.float64]:
    """A float array with None as NaN."""
    return np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)  # type: ignore[union-attr]


def _as_binary(values: ArrayLike, what: str) -> NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{what} must be one-dimensional")
    if not np.all((array == 0) | (array == 1)):
        raise ValueError(f"{what} must all be 0 or 1")
    return array


def _counts(verdicts: NDArray[Any], labels: NDArray[Any], axis: int = -1) -> tuple[NDArray[np.float64], ...]:
    v = verdicts.astype(np.float64)
    y = labels.astype(np.float64)
    tp = np.sum(v * y, axis=axis)
    fp = np.sum(v * (1 - y), axis=axis)
    fn = np.sum((1 - v) * y, axis=axis)
    tn = np.sum((1 - v) * (1 - y), axis=axis)
    return tp, fp, fn, tn


def _ratio(numerator: NDArray[np.float64], denominator: NDArray[np.float64]) -> NDArray[np.float64]:
    """numerator / denominator, NaN where the denominator is 0 (no warnings)."""
    out = np.full(np.shape(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def _confusion_figures(verdicts: NDArray[Any], labels: NDArray[Any], axis: int = -1) -> NDArray[np.float64]:
    """Accuracy, precision, recall, F1, kappa, MCC along ``axis``, stacked on a new first axis (NaN = undefined)."""
    return _figures_from_counts(*_counts(verdicts, labels, axis))


def _figures_from_counts(
    tp: NDArray[np.float64], fp: NDArray[np.float64], fn: NDArray[np.float64], tn: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The six confusion figures from the four (possibly weighted) counts, stacked on a new first axis."""
    n = tp + fp + fn + tn
    accuracy = _ratio(tp + tn, n)
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = _ratio(2 * tp, 2 * tp + fp + fn)
    chance = _ratio((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn), n * n)
    kappa = _ratio(accuracy - chance, 1 - chance)
    kappa = np.where(np.isclose(chance, 1.0), np.nan, kappa)
    margins = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
    mcc = _ratio(tp * tn - fp * fn, np.sqrt(margins))
    return np.stack([accuracy, precision, recall, f1, kappa, mcc])


def _auc(scores: NDArray[Any], labels: NDArray[Any], axis: int = -1) -> NDArray[np.float64]:
    """Mann-Whitney AUC along ``axis``: P(score of a good row > score of a bad row), ties counting half."""
    scores = np.moveaxis(np.asarray(scores, dtype=np.float64), axis, -1)
    y = np.moveaxis(np.asarray(labels, dtype=np.float64), axis, -1)
    ranks = stats.rankdata(scores, axis=-1)  # average ranks: a tie between a good and a bad row counts half
    n_good = y.sum(axis=-1)
    n_bad = y.shape[-1] - n_good
    u = (ranks * y).sum(axis=-1) - n_good * (n_good + 1) / 2
    return _ratio(u, n_good * n_bad)


def _point(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def confusion_counts(verdicts: ArrayLike, labels: ArrayLike) -> dict[str, int]:
    """``{"tp", "fp", "fn", "tn"}``: good verdict and good label, good verdict and bad label, and so on."""
    tp, fp, fn, tn = _counts(_as_binary(verdicts, "verdicts"), _as_binary(labels, "labels"))
    return {"tp": int(tp), "fp": int(fp), "fn": int(fn), "tn": int(tn)}


def accuracy(verdicts: ArrayLike, labels: ArrayLike) -> float | None:
    """Share of rows where the verdict equals the label; None for no rows."""
    return _point(_confusion_figures(_as_binary(verdicts, "verdicts"), _as_binary(labels, "labels"))[0])


def precision(verdicts: ArrayLike, labels: ArrayLike) -> float | None:
    """tp / (tp + fp); None when no row is judged good."""
    return _point(_confusion_figures(_as_binary(verdicts, "verdicts"), _as_binary(labels, "labels"))[1])


def recall(verdicts: ArrayLike, labels: ArrayLike) -> float | None:
    """tp / (tp + fn); None when no row is labelled good."""
    return _point(_confusion_figures(_as_binary(verdicts, "verdicts"), _as_binary(labels, "labels"))[2])


def f1_score(verdicts: ArrayLike, labels: ArrayLike) -> float | None:
    """2tp / (2tp + fp + fn); None when no row is judged or labelled good."""
    return _point(_confusion_figures(_as_binary(verdicts, "verdicts"), _as_binary(labels, "labels"))[3])


def cohen_kappa(verdicts: ArrayLike, labels: ArrayLike) -> float | None:
    """Cohen's kappa, (p_o - p_e) / (1 - p_e) with p_e from the two margins.

    None for no rows, and when chance agreement p_e is 1 (verdicts and labels all one and the same class).
    A constant verdict against mixed labels gives 0.
    """
    return _point(_confusion_figures(_as_binary(verdicts, "verdicts"), _as_binary(labels, "labels"))[4])


def matthews_corrcoef(verdicts: ArrayLike, labels: ArrayLike) -> float | None:
    """Matthews correlation (tp tn - fp fn) / sqrt of the four margins' product.

    None when any margin is empty (all verdicts, or all labels, one class): the correlation is then undefined.
    """
    return _point(_confusion_figures(_as_binary(verdicts, "verdicts"), _as_binary(labels, "labels"))[5])


def roc_auc(scores: ArrayLike, labels: ArrayLike) -> float | None:
    """Area under the ROC curve as the Mann-Whitney probability that a good row outscores a bad one.

    Ties between a good and a bad row count one half. None when there are no good or no bad rows.

    Raises:
        ValueError: Scores are not all finite, or lengths differ.
    """
    s = np.asarray(scores, dtype=np.float64)
    y = _as_binary(labels, "labels")
    if s.shape != y.shape:
        raise ValueError(f"{s.shape[0] if s.ndim else 0} scores but {y.shape[0]} labels")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores must all be finite")
    return _point(float(_auc(s, y)))


# --- figures with intervals ----------------------------------------------------------------------------------------


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
    raw = _floats(verdicts)
    y = np.asarray(labels, dtype=np.float64)
    if raw.shape != y.shape or raw.ndim != 1:
        raise ValueError(f"{raw.shape} verdicts but {y.shape} labels: give one of each per row")
    _as_binary(y, "labels")
    keep = ~np.isnan(raw)
    v = _as_binary(raw[keep], "verdicts")
    s = None
    if scores is not None:
        s_all = _floats(scores)
        if s_all.shape != y.shape:
            raise ValueError(f"{s_all.shape} scores but {y.shape} labels")
        s = s_all[keep]
    return v, y[keep], s, int((~keep).sum())


def cluster_codes(clusters: Sequence[Any] | None, n: int) -> NDArray[np.intp] | None:
    """Codes ``0..K-1`` of each row's cluster (first appearance order), or None when no clustering is needed.

    Edge cases: None, or every row its own cluster (one epoch per sample), gives None: the plain row bootstrap,
    which is the same thing and keeps single-epoch figures exactly as they were.

    Args:
        clusters: One hashable id per row (e.g. the sample id, shared by a sample's epochs), or None.
        n: The number of rows.

    Raises:
        ValueError: ``clusters`` does not have ``n`` entries.
    """
    if clusters is None:
        return None
    if len(clusters) != n:
        raise ValueError(f"{len(clusters)} cluster ids for {n} rows")
    codes: dict[Any, int] = {}
    index = np.asarray([codes.setdefault(c, len(codes)) for c in clusters], dtype=np.intp)
    return None if len(codes) == n else index


def _weighted_figures(
    weights: NDArray[np.float64], v: NDArray[np.float64], y: NDArray[np.float64], s: NDArray[np.float64] | None
) -> NDArray[np.float64]:
    """The figures of :func:`_rater_statistic` with row weights (``(..., n)``: how often a resample holds a row).

    A resample that holds a row ``w`` times counts it ``w`` times, so these equal the unweighted figures on the
    expanded rows. AUC is the weighted Mann-Whitney statistic over the rows sorted once by score (ties half).
    """
    tp, fp = weights @ (v * y), weights @ (v * (1 - y))
    fn, tn = weights @ ((1 - v) * y), weights @ ((1 - v) * (1 - y))
    figures = _figures_from_counts(tp, fp, fn, tn)
    if s is None:
        return np.concatenate([figures, np.full((1, *figures.shape[1:]), np.nan)])
    order = np.argsort(s, kind="stable")
    sorted_scores = s[order]
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    w, yy = weights[..., order], y[order]
    good = np.add.reduceat(w * yy, starts, axis=-1)
    bad = np.add.reduceat(w * (1 - yy), starts, axis=-1)
    below = np.cumsum(bad, axis=-1) - bad  # bad weight strictly below each distinct score
    u = np.sum(good * (below + 0.5 * bad), axis=-1)
    auc = _ratio(u, good.sum(axis=-1) * bad.sum(axis=-1))
    return np.concatenate([figures, auc[np.newaxis]])


def _rater_statistic(
    v: NDArray[np.float64], y: NDArray[np.float64], s: NDArray[np.float64] | None, axis: int = -1
) -> NDArray[np.float64]:
    """The :data:`FIGURES` of one rater along ``axis``, stacked on a new first axis; AUC NaN without scores."""
    figures = _confusion_figures(v, y, axis)
    auc = np.full((1, *figures.shape[1:]), np.nan) if s is None else _auc(s, y, axis)[np.newaxis]
    return np.concatenate([figures, auc])


Rater = tuple[NDArray[np.float64], NDArray[np.float64] | None]
"""One rater's verdicts (0/1) and optional finite scores on the rows of a joint bootstrap."""


def _joint_bootstrap(
    raters: Sequence[Rater],
    y: NDArray[np.float64],
    codes: NDArray[np.intp] | None,
    n_resamples: int,
    seed: int,
    confidence: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """Point figures and bootstrap distributions of several raters on the *same* resamples of the same rows.

    One index vector per resample is drawn (``scipy.stats.bootstrap``, paired) and every rater's figures are
    computed on it, so differences between raters can be read off resample by resample. Without ``codes`` the
    rows are resampled (scipy's paired resampling of the row indices: the same draws as resampling the data
    arrays together); with ``codes`` whole clusters are resampled, each bringing all its rows.

    Returns:
        ``(points, distribution)``: points of shape ``(raters, len(FIGURES))``; the distribution of shape
        ``(raters, len(FIGURES), n_resamples)``, or None when there is nothing to resample (``n_resamples`` 0,
        or fewer than two rows or clusters).
    """
    points = np.stack([_rater_statistic(v, y, s) for v, s in raters])
    codes = np.arange(len(y)) if codes is None else codes  # unclustered: every row is its own cluster
    units = int(codes.max()) + 1
    if n_resamples <= 0 or units < 2:  # scipy needs two units to resample
        return points, None

    def statistic(index: NDArray[np.intp], axis: int = -1) -> NDArray[np.float64]:
        # Figures from draw counts rather than from gathered copies of the rows: the same numbers (a row drawn
        # w times counts w times), and no per-resample sort for AUC, about 3.5x faster on 800 rows.
        batch = np.atleast_2d(index)
        offsets = batch + units * np.arange(batch.shape[0])[:, np.newaxis]
        counts = np.bincount(offsets.ravel(), minlength=units * batch.shape[0]).reshape(-1, units)
        weights = counts[:, codes].astype(np.float64)  # a cluster drawn w times brings all its rows w times
        out = np.concatenate([_weighted_figures(weights, v, y, s) for v, s in raters])
        return out[:, 0] if np.ndim(index) == 1 else out

    # Bound the (resamples x rows) weight matrix: about 16 MB of float64 per batch.
    batch = None if len(y) * n_resamples <= 2_000_000 else max(1, 2_000_000 // len(y))
    with warnings.catch_warnings():  # NaN resamples are handled by the caller, not by scipy's interval
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        result = stats.bootstrap(
            (np.arange(units),),
            statistic,
            n_resamples=n_resamples,
            batch=batch,
            paired=True,
            vectorized=True,
            confidence_level=confidence,
            method=BOOTSTRAP_METHOD,
            rng=np.random.default_rng(seed),
        )
    distribution = np.asarray(result.bootstrap_distribution).reshape(len(raters), len(FIGURES), -1)
    return points, distribution


def _bootstrap_info(n_resamples: int, seed: int, confidence: float, codes: NDArray[np.intp] | None) -> dict[str, Any]:
    return {
        "method": BOOTSTRAP_METHOD,
        "paired": True,
        "resamples": n_resamples,
        "seed": seed,
        "confidence": confidence,
        "max_undefined_share": MAX_UNDEFINED_SHARE,
        "resampled": "rows" if codes is None else "clusters",
        "clusters": None if codes is None else int(codes.max()) + 1,
    }


def _estimates(
    names: Sequence[str], points: NDArray[np.float64], distribution: NDArray[np.float64] | None, confidence: float
) -> dict[str, Estimate]:
    """Figure name -> estimate from one rater's points and distribution (rows in :data:`FIGURES` order)."""
    out = {}
    for name in names:
        i = FIGURES.index(name)
        value = _point(float(points[i]))
        low, high, undefined = (None, None, 0)
        if distribution is not None:
            low, high, undefined = _nan_percentile_interval(distribution[i], confidence)
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
    keep = ~np.isnan(_floats(verdicts))
    if clusters is not None and len(clusters) != len(keep):
        raise ValueError(f"{len(clusters)} cluster ids for {len(keep)} rows")
    codes = cluster_codes(None if clusters is None else [c for c, k in zip(clusters, keep, strict=True) if k], len(v))
    names = [name for name in FIGURES if name != "auc" or scores is not None]
    info = _bootstrap_info(n_resamples, seed, confidence, codes)
    if len(v) == 0:
        figures = {name: Estimate(None) for name in names}
        return AgreementFigures(0, unscored, 0, 0, {"tp": 0, "fp": 0, "fn": 0, "tn": 0}, figures, info)
    points, distribution = _joint_bootstrap([(v, s if _has_auc(s) else None)], y, codes, n_resamples, seed, confidence)
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
    judge_raw, base_raw = _floats(verdicts), _floats(baseline_verdicts)
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
        array = _floats(values)
        if array.shape != y_all.shape:
            raise ValueError(f"{array.shape} scores but {y_all.shape} labels")
        return array[pick]

    v, b, y = _as_binary(judge_raw[pick], "verdicts"), _as_binary(base_raw[pick], "baseline verdicts"), y_all[pick]
    _as_binary(y, "labels")
    s, sb = rows(scores), rows(baseline_scores)
    codes = cluster_codes(None if clusters is None else [clusters[i] for i in pick], len(pick))
    info = _bootstrap_info(n_resamples, seed, confidence, codes)
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
    points, distribution = _joint_bootstrap(raters, y, codes, n_resamples, seed, confidence)
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


def _nan_percentile_interval(
    distribution: NDArray[np.float64], confidence: float
) -> tuple[float | None, float | None, int]:
    """The percentile interval of the defined resamples (see the module docstring), and how many were undefined."""
    defined = distribution[~np.isnan(distribution)]
    undefined = int(distribution.size - defined.size)
    if defined.size == 0 or undefined > MAX_UNDEFINED_SHARE * distribution.size:
        return None, None, undefined
    alpha = (1 - confidence) / 2
    low, high = np.quantile(defined, [alpha, 1 - alpha])  # scipy's percentile interval uses the same (linear) rule
    return float(low), float(high), undefined


# --- length strata -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LengthStratum:
    """The rows of one length quintile and the judge's (and optionally the baseline's) figures on them.

    Attributes:
        index: 1 (shortest) to :data:`STRATA` (longest).
        lower_edge: Rows have length > this edge (None for the first stratum).
        upper_edge: Rows have length <= this edge (None for the last stratum).
        min_length: Shortest row in the stratum (None when empty).
        max_length: Longest row in the stratum (None when empty).
        figures: The judge's figures on the stratum's rows.
        baseline: The baseline's figures on the same rows, when baseline verdicts were given.
    """

    index: int
    lower_edge: float | None
    upper_edge: float | None
    min_length: float | None
    max_length: float | None
    figures: AgreementFigures
    baseline: AgreementFigures | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return {
            "index": self.index,
            "lower_edge": self.lower_edge,
            "upper_edge": self.upper_edge,
            "min_length": self.min_length,
            "max_length": self.max_length,
            "figures": self.figures.to_dict(),
            "baseline": None if self.baseline is None else self.baseline.to_dict(),
        }


def length_edges(lengths: ArrayLike, strata: int = STRATA) -> list[float]:
    """Inner edges of ``strata`` equal-count length strata: the 20/40/60/80th percentiles for quintiles.

    Computed with numpy's default (linear) percentile rule on the lengths given (the rows themselves).
    """
    values = np.asarray(lengths, dtype=np.float64)
    if values.size == 0:
        return []
    return [float(q) for q in np.quantile(values, np.arange(1, strata) / strata)]


def length_strata(
    lengths: ArrayLike,
    verdicts: Sequence[float | int | None] | ArrayLike,
    labels: ArrayLike,
    scores: Sequence[float | None] | ArrayLike | None = None,
    baseline_verdicts: Sequence[float | int | None] | ArrayLike | None = None,
    *,
    clusters: Sequence[Any] | None = None,
    strata: int = STRATA,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> list[LengthStratum]:
    """The judge's figures inside length quintiles (or ``strata`` equal-count strata) of the judge's scored rows.

    Edges come from the scored rows' own lengths (:func:`length_edges`); a row of length ``x`` goes to the first
    stratum whose upper edge is >= ``x`` (so stratum k holds ``edge[k-1] < x <= edge[k]``). Lengths are integers
    with many ties, so strata need not be equal in size, and when two edges coincide the stratum between them is
    empty (reported with n = 0 and undefined figures). Unscored rows are not placed in strata (they are counted
    in the overall figures). Within a stratum, labels are often nearly all one class, so kappa, MCC and AUC are
    often undefined or very uncertain there.

    Args:
        lengths: Length of each row (characters).
        verdicts: The judge's verdicts (None = unscored).
        labels: The labels.
        scores: Optional judge scores (for AUC within strata).
        baseline_verdicts: Optional verdicts of a baseline on the same rows (e.g. the length rule).
        clusters: Optional cluster id per row (sample ids of a several-epoch log; see :func:`agreement_figures`).
        strata: Number of strata.
        n_resamples: Bootstrap resamples per stratum.
        seed: Bootstrap seed.

    Returns:
        One entry per stratum, shortest first.
    """
    length_array = np.asarray(lengths, dtype=np.float64)
    raw = _floats(verdicts)
    y = np.asarray(labels, dtype=np.float64)
    if not (length_array.shape == raw.shape == y.shape):
        raise ValueError("lengths, verdicts and labels must have one entry per row")
    scored = ~np.isnan(raw)
    edges = length_edges(length_array[scored], strata)
    place = np.searchsorted(np.asarray(edges), length_array, side="left") if edges else np.zeros(len(y), dtype=int)
    s = None if scores is None else _floats(scores)
    b = None if baseline_verdicts is None else _floats(baseline_verdicts)
    if clusters is not None and len(clusters) != len(y):
        raise ValueError(f"{len(clusters)} cluster ids for {len(y)} rows")
    out = []
    for k in range(strata if edges else 1):
        rows = scored & (place == k)
        found = length_array[rows]
        ids = None if clusters is None else [clusters[i] for i in np.flatnonzero(rows)]
        out.append(
            LengthStratum(
                index=k + 1,
                lower_edge=edges[k - 1] if 0 < k <= len(edges) else None,
                upper_edge=edges[k] if k < len(edges) else None,
                min_length=float(found.min()) if found.size else None,
                max_length=float(found.max()) if found.size else None,
                figures=agreement_figures(
                    raw[rows],
                    y[rows],
                    None if s is None else s[rows],
                    clusters=ids,
                    n_resamples=n_resamples,
                    seed=seed,
                ),
                baseline=None
                if b is None
                else agreement_figures(b[rows], y[rows], clusters=ids, n_resamples=n_resamples, seed=seed),
            )
        )
    return out


# --- what the judge adds over length ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LengthControl:
    """Logistic regression of the label on log length, with and without the verdict.

    Full model: ``logit P(good) = a + b_len * log(1 + chars) + b_verdict * verdict``; reduced model: without the
    verdict. The likelihood-ratio test (1 degree of freedom) asks whether the verdict carries information about the
    label beyond a smooth function of length: "what the judge adds over length".

    Attributes:
        n: Rows used (scored rows).
        verdict_coef: The verdict's coefficient in log-odds (None when not estimable, see ``note``).
        verdict_ci_low: Lower end of its 95% Wald interval (None when not estimable).
        verdict_ci_high: Upper end.
        verdict_se: Its Wald standard error (from the inverse observed information).
        odds_ratio: ``exp(verdict_coef)``.
        length_coef_full: Coefficient of log(1 + chars) in the full model.
        length_coef_reduced: Coefficient of log(1 + chars) in the reduced model.
        loglik_full: Maximised log-likelihood of the full model.
        loglik_reduced: Maximised log-likelihood of the reduced model.
        lr_statistic: ``2 (loglik_full - loglik_reduced)``, >= 0.
        p_value: Chi-square (1 df) upper tail of the statistic.
        note: Why something is missing, or None.
    """

    n: int
    verdict_coef: float | None
    verdict_ci_low: float | None
    verdict_ci_high: float | None
    verdict_se: float | None
    odds_ratio: float | None
    length_coef_full: float | None
    length_coef_reduced: float | None
    loglik_full: float | None
    loglik_reduced: float | None
    lr_statistic: float | None
    p_value: float | None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return asdict(self)


def _negative_loglik(beta: NDArray[np.float64], x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    eta = x @ beta
    return float(np.sum(np.logaddexp(0.0, eta) - y * eta))


def _gradient(beta: NDArray[np.float64], x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    p = 1 / (1 + np.exp(-(x @ beta)))
    return x.T @ (p - y)


def _hessian(beta: NDArray[np.float64], x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    p = 1 / (1 + np.exp(-(x @ beta)))
    return (x * (p * (1 - p))[:, None]).T @ x


def fit_logistic(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[NDArray[np.float64], float]:
    """Maximum-likelihood logistic regression by Newton trust-region (``scipy.optimize.minimize``, trust-exact).

    Args:
        x: Design matrix including the intercept column (rows x columns).
        y: 0/1 outcomes.

    Returns:
        (coefficients, maximised log-likelihood). Under (quasi-)separation the likelihood has no maximum; the
        optimiser stops at large coefficients whose log-likelihood is within tolerance of the supremum.
    """
    start = np.zeros(x.shape[1])
    result = optimize.minimize(
        _negative_loglik,
        start,
        args=(x, y),
        jac=_gradient,
        hess=_hessian,
        method="trust-exact",
        options={"gtol": 1e-8, "maxiter": 200},
    )
    return np.asarray(result.x, dtype=np.float64), -float(result.fun)


def length_controlled(
    lengths: ArrayLike,
    verdicts: Sequence[float | int | None] | ArrayLike,
    labels: ArrayLike,
    controls: Sequence[Sequence[float | int | None] | ArrayLike] = (),
    confidence: float = CONFIDENCE,
) -> LengthControl:
    """Fit label ~ log(1 + length) [+ controls] + verdict and label ~ log(1 + length) [+ controls]; compare.

    ``log(1 + chars)`` rather than ``log(chars)`` so that an empty response (0 chars) stays finite. The length
    column is standardised for the fit; reported length coefficients are per unit of log(1 + chars). The reduced
    model is smooth in log length, so a sharp length cut (the length rule) can itself "add" information over it;
    pass the length rule's verdicts as a control to ask what the judge adds over length *and* the rule.

    Edge cases (``note`` says which):
        - Rows with a verdict (or a control) of None/NaN are dropped.
        - Fewer than 3 rows, or labels all one class: nothing is estimable (all None).
        - A verdict that is constant, or a linear combination of the intercept, length and controls (e.g. equal to
          a control): it can add nothing; coefficient None, LR statistic 0, p-value 1.
        - All lengths equal, or a constant control: that column is dropped.
        - (Quasi-)separation (some verdict class has labels of one class only given length, e.g. precision 1.0):
          the verdict coefficient is infinite; it is reported as None with no interval, while the LR statistic
          and p-value use the (finite) supremum of the likelihood, approximated by the optimiser.

    Args:
        lengths: Length of each row in characters.
        verdicts: The judge's verdicts, 0/1/None.
        labels: The labels, 0/1.
        controls: Further per-row covariates in both models (e.g. the length rule's verdicts).
        confidence: Level of the Wald interval.

    Returns:
        The comparison.
    """
    length_array = np.asarray(lengths, dtype=np.float64)
    raw = _floats(verdicts)
    y_all = np.asarray(labels, dtype=np.float64)
    extra = [_floats(column) for column in controls]
    if not (length_array.shape == raw.shape == y_all.shape) or any(c.shape != raw.shape for c in extra):
        raise ValueError("lengths, verdicts, labels and controls must have one entry per row")
    keep = ~np.isnan(raw)
    for column in extra:
        keep &= ~np.isnan(column)
    v, y = _as_binary(raw[keep], "verdicts"), _as_binary(y_all[keep], "labels")
    log_length = np.log1p(length_array[keep])
    n = int(len(y))
    if n < 3:
        return _no_control(n, "fewer than 3 scored rows")
    if y.min() == y.max():
        return _no_control(n, "labels are all one class: nothing to predict")
    notes = []
    spread = float(log_length.std())
    columns = [np.ones(n)]
    if spread > 0:
        columns.append((log_length - log_length.mean()) / spread)
    else:
        notes.append("all lengths equal: length column dropped")
    for i, column in enumerate(extra):
        values = column[keep]
        if values.std() > 0:
            columns.append((values - values.mean()) / values.std())
        else:
            notes.append(f"control {i + 1} is constant: dropped")
    reduced_x = np.column_stack(columns)
    reduced_beta, reduced_ll = fit_logistic(reduced_x, y)
    length_reduced = float(reduced_beta[1] / spread) if spread > 0 else None
    full_x = np.column_stack([*columns, v])
    if v.min() == v.max() or np.linalg.matrix_rank(full_x) < full_x.shape[1]:
        notes.append(
            "the verdict is constant: it cannot add anything over length"
            if v.min() == v.max()
            else "the verdict is collinear with length and the controls: it cannot add anything"
        )
        return LengthControl(
            n=n,
            verdict_coef=None,
            verdict_ci_low=None,
            verdict_ci_high=None,
            verdict_se=None,
            odds_ratio=None,
            length_coef_full=length_reduced,
            length_coef_reduced=length_reduced,
            loglik_full=reduced_ll,
            loglik_reduced=reduced_ll,
            lr_statistic=0.0,
            p_value=1.0,
            note="; ".join(notes),
        )
    full_beta, full_ll = fit_logistic(full_x, y)
    lr = max(0.0, 2 * (full_ll - reduced_ll))
    p_value = float(stats.chi2.sf(lr, df=1))
    coef = float(full_beta[-1])
    length_full = float(full_beta[1] / spread) if spread > 0 else None
    covariance = _inverse(_hessian(full_beta, full_x, y))
    se = math.sqrt(covariance[-1, -1]) if covariance is not None and covariance[-1, -1] > 0 else None
    separated = abs(coef) > SEPARATION_BOUND or se is None
    if separated:
        notes.append("(quasi-)separation: the verdict coefficient is infinite; LR test uses the likelihood supremum")
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    return LengthControl(
        n=n,
        verdict_coef=None if separated else coef,
        verdict_ci_low=None if separated else coef - z * se,  # type: ignore[operator]
        verdict_ci_high=None if separated else coef + z * se,  # type: ignore[operator]
        verdict_se=None if separated else se,
        odds_ratio=None if separated else math.exp(coef),
        length_coef_full=length_full,
        length_coef_reduced=length_reduced,
        loglik_full=full_ll,
        loglik_reduced=reduced_ll,
        lr_statistic=lr,
        p_value=p_value,
        note="; ".join(notes) or None,
    )


def _no_control(n: int, note: str) -> LengthControl:
    return LengthControl(n, None, None, None, None, None, None, None, None, None, None, None, note)


def _inverse(matrix: NDArray[np.float64]) -> NDArray[np.float64] | None:
    try:
        inverse = np.linalg.inv(matrix)
    except np.linalg.LinAlgError:
        return None
    return inverse if np.all(np.isfinite(inverse)) else None
