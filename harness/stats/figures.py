"""Agreement figures of 0/1 verdicts against 0/1 labels, and the AUC of scores: one at a time or vectorised.

Accuracy, precision, recall, F1, Cohen's kappa and the Matthews correlation come from the four confusion counts;
AUC is the Mann-Whitney probability that a good row outscores a bad one (ties counting half). Every figure is
computed along an axis, so the bootstrap (:mod:`harness.stats.bootstrap`) gets all its resamples in one call, and
from row weights (how often a resample holds each row) rather than gathered copies of the rows.

A figure that is undefined on its rows (precision with no predicted positives, recall or AUC with no positive
labels, MCC with an empty margin, kappa when chance agreement is 1, anything on no rows) is NaN here and None in the
one-at-a-time functions (see :mod:`harness.stats.arrays`); never a conventional 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from harness.stats.arrays import binary_array, safe_ratio, value_or_none

FIGURES = ("accuracy", "precision", "recall", "f1", "kappa", "mcc", "auc")
"""Every figure :func:`agreement_figures` reports, in display order (``auc`` only with scores)."""


def _counts(verdicts: NDArray[Any], labels: NDArray[Any], axis: int = -1) -> tuple[NDArray[np.float64], ...]:
    """(tp, fp, fn, tn) along ``axis``."""
    v = verdicts.astype(np.float64)
    y = labels.astype(np.float64)
    tp = np.sum(v * y, axis=axis)
    fp = np.sum(v * (1 - y), axis=axis)
    fn = np.sum((1 - v) * y, axis=axis)
    tn = np.sum((1 - v) * (1 - y), axis=axis)
    return tp, fp, fn, tn


def confusion_figures(verdicts: NDArray[Any], labels: NDArray[Any], axis: int = -1) -> NDArray[np.float64]:
    """Accuracy, precision, recall, F1, kappa, MCC along ``axis``, stacked on a new first axis (NaN = undefined)."""
    return figures_from_counts(*_counts(verdicts, labels, axis))


def figures_from_counts(
    tp: NDArray[np.float64], fp: NDArray[np.float64], fn: NDArray[np.float64], tn: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The six confusion figures from the four (possibly weighted) counts, stacked on a new first axis."""
    n = tp + fp + fn + tn
    accuracy = safe_ratio(tp + tn, n)
    precision = safe_ratio(tp, tp + fp)
    recall = safe_ratio(tp, tp + fn)
    f1 = safe_ratio(2 * tp, 2 * tp + fp + fn)
    chance = safe_ratio((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn), n * n)
    kappa = safe_ratio(accuracy - chance, 1 - chance)
    kappa = np.where(np.isclose(chance, 1.0), np.nan, kappa)
    margins = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
    mcc = safe_ratio(tp * tn - fp * fn, np.sqrt(margins))
    return np.stack([accuracy, precision, recall, f1, kappa, mcc])


def auc_along(scores: NDArray[Any], labels: NDArray[Any], axis: int = -1) -> NDArray[np.float64]:
    """Mann-Whitney AUC along ``axis``: P(score of a good row > score of a bad row), ties counting half."""
    scores = np.moveaxis(np.asarray(scores, dtype=np.float64), axis, -1)
    y = np.moveaxis(np.asarray(labels, dtype=np.float64), axis, -1)
    ranks = stats.rankdata(scores, axis=-1)  # average ranks: a tie between a good and a bad row counts half
    n_good = y.sum(axis=-1)
    n_bad = y.shape[-1] - n_good
    u = (ranks * y).sum(axis=-1) - n_good * (n_good + 1) / 2
    return safe_ratio(u, n_good * n_bad)


def _figure(verdicts: ArrayLike, labels: ArrayLike, name: str) -> float | None:
    """One confusion figure (:data:`FIGURES` name) of 0/1 verdicts against 0/1 labels; None when undefined."""
    figures = confusion_figures(binary_array(verdicts, "verdicts"), binary_array(labels, "labels"))
    return value_or_none(figures[FIGURES.index(name)])


def confusion_counts(verdicts: ArrayLike, labels: ArrayLike) -> dict[str, int]:
    """``{"tp", "fp", "fn", "tn"}``: good verdict and good label, good verdict and bad label, and so on."""
    tp, fp, fn, tn = _counts(binary_array(verdicts, "verdicts"), binary_array(labels, "labels"))
    return {"tp": int(tp), "fp": int(fp), "fn": int(fn), "tn": int(tn)}


def accuracy(verdicts: ArrayLike, labels: ArrayLike) -> float | None:
    """Share of rows where the verdict equals the label; None for no rows."""
    return _figure(verdicts, labels, "accuracy")


def precision(verdicts: ArrayLike, labels: ArrayLike) -> float | None:
    """tp / (tp + fp); None when no row is judged good."""
    return _figure(verdicts, labels, "precision")


def recall(verdicts: ArrayLike, labels: ArrayLike) -> float | None:
    """tp / (tp + fn); None when no row is labelled good."""
    return _figure(verdicts, labels, "recall")


def f1_score(verdicts: ArrayLike, labels: ArrayLike) -> float | None:
    """2tp / (2tp + fp + fn); None when no row is judged or labelled good."""
    return _figure(verdicts, labels, "f1")


def cohen_kappa(verdicts: ArrayLike, labels: ArrayLike) -> float | None:
    """Cohen's kappa, (p_o - p_e) / (1 - p_e) with p_e from the two margins.

    None for no rows, and when chance agreement p_e is 1 (verdicts and labels all one and the same class).
    A constant verdict against mixed labels gives 0.
    """
    return _figure(verdicts, labels, "kappa")


def matthews_corrcoef(verdicts: ArrayLike, labels: ArrayLike) -> float | None:
    """Matthews correlation (tp tn - fp fn) / sqrt of the four margins' product.

    None when any margin is empty (all verdicts, or all labels, one class): the correlation is then undefined.
    """
    return _figure(verdicts, labels, "mcc")


def roc_auc(scores: ArrayLike, labels: ArrayLike) -> float | None:
    """Area under the ROC curve as the Mann-Whitney probability that a good row outscores a bad one.

    Ties between a good and a bad row count one half. None when there are no good or no bad rows.

    Raises:
        ValueError: Scores are not all finite, or lengths differ.
    """
    s = np.asarray(scores, dtype=np.float64)
    y = binary_array(labels, "labels")
    if s.shape != y.shape:
        raise ValueError(f"{s.shape[0] if s.ndim else 0} scores but {y.shape[0]} labels")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores must all be finite")
    return value_or_none(float(auc_along(s, y)))


def weighted_figures(
    weights: NDArray[np.float64], v: NDArray[np.float64], y: NDArray[np.float64], s: NDArray[np.float64] | None
) -> NDArray[np.float64]:
    """The figures of :func:`rater_figures` with row weights (``(..., n)``: how often a resample holds a row).

    A resample that holds a row ``w`` times counts it ``w`` times, so these equal the unweighted figures on the
    expanded rows. AUC is the weighted Mann-Whitney statistic over the rows sorted once by score (ties half).
    """
    tp, fp = weights @ (v * y), weights @ (v * (1 - y))
    fn, tn = weights @ ((1 - v) * y), weights @ ((1 - v) * (1 - y))
    figures = figures_from_counts(tp, fp, fn, tn)
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
    auc = safe_ratio(u, good.sum(axis=-1) * bad.sum(axis=-1))
    return np.concatenate([figures, auc[np.newaxis]])


def rater_figures(
    v: NDArray[np.float64], y: NDArray[np.float64], s: NDArray[np.float64] | None, axis: int = -1
) -> NDArray[np.float64]:
    """The :data:`FIGURES` of one rater along ``axis``, stacked on a new first axis; AUC NaN without scores."""
    figures = confusion_figures(v, y, axis)
    auc = np.full((1, *figures.shape[1:]), np.nan) if s is None else auc_along(s, y, axis)[np.newaxis]
    return np.concatenate([figures, auc])
