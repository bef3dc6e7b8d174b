"""Every agreement figure against scikit-learn on random rows, one at a time and vectorised over resamples.

scikit-learn is a test dependency only. Where a figure is undefined greetbench says None (NaN inside arrays) and
scikit-learn gives NaN, 0 or an error, depending on the figure; those cases are checked one by one below.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from numpy.typing import NDArray
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (
    accuracy_score,
    cohen_kappa_score,
    matthews_corrcoef,
    precision_recall_fscore_support,
    roc_auc_score,
)

from harness import stats
from harness.stats.figures import FIGURES, rater_figures, weighted_figures

SEEDS = range(40)


def _rows(seed: int) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Random verdicts, labels and tied scores: sizes from 2 to 60, class balance from rare to common."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 61))
    labels = (rng.random(n) < rng.uniform(0.1, 0.9)).astype(np.int64)
    verdicts = np.where(rng.random(n) < rng.uniform(0.4, 1.0), labels, 1 - labels)
    scores = np.round(rng.random(n) + 0.5 * labels, 1)  # rounding makes ties, which AUC counts half
    return verdicts, labels, scores


def _sklearn(verdicts: NDArray[np.int64], labels: NDArray[np.int64], scores: NDArray[np.float64]) -> dict[str, float]:
    """The :data:`FIGURES` by scikit-learn (``y_true`` first); NaN where it has no value or raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)  # kappa on one class: scikit-learn asks for `labels`
        p, r, f, _ = precision_recall_fscore_support(
            labels, verdicts, average="binary", pos_label=1, zero_division=np.nan
        )
        both_classes = 0 < labels.sum() < len(labels)
        return {
            "accuracy": accuracy_score(labels, verdicts),
            "precision": p,
            "recall": r,
            "f1": f,
            "kappa": cohen_kappa_score(labels, verdicts),
            "mcc": matthews_corrcoef(labels, verdicts),
            "auc": roc_auc_score(labels, scores) if both_classes else math.nan,
        }


def _ours(verdicts: NDArray[np.int64], labels: NDArray[np.int64], scores: NDArray[np.float64]) -> dict[str, float]:
    values = {
        "accuracy": stats.accuracy(verdicts, labels),
        "precision": stats.precision(verdicts, labels),
        "recall": stats.recall(verdicts, labels),
        "f1": stats.f1_score(verdicts, labels),
        "kappa": stats.cohen_kappa(verdicts, labels),
        "mcc": stats.matthews_corrcoef(verdicts, labels),
        "auc": stats.roc_auc(scores, labels),
    }
    return {name: math.nan if value is None else value for name, value in values.items()}


def _margins_full(verdicts: NDArray[np.int64], labels: NDArray[np.int64]) -> bool:
    """Both classes among the verdicts and among the labels: every figure is defined."""
    return 0 < verdicts.sum() < len(verdicts) and 0 < labels.sum() < len(labels)


@pytest.mark.parametrize("seed", SEEDS)
def test_each_figure_matches_scikit_learn(seed: int) -> None:
    verdicts, labels, scores = _rows(seed)
    ours, theirs = _ours(verdicts, labels, scores), _sklearn(verdicts, labels, scores)
    if _margins_full(verdicts, labels):
        assert ours == pytest.approx(theirs, abs=1e-12)
    else:  # scikit-learn gives 0 for an undefined MCC; the others agree wherever both are defined
        defined = {k for k in FIGURES if not (math.isnan(ours[k]) or math.isnan(theirs[k]))}
        assert {k: ours[k] for k in defined} == pytest.approx({k: theirs[k] for k in defined}, abs=1e-12)


def test_confusion_counts_match_scikit_learn() -> None:
    from sklearn.metrics import confusion_matrix

    for seed in SEEDS:
        verdicts, labels, _ = _rows(seed)
        tn, fp, fn, tp = confusion_matrix(labels, verdicts, labels=[0, 1]).ravel()
        assert stats.confusion_counts(verdicts, labels) == {"tp": tp, "fp": fp, "fn": fn, "tn": tn}


def test_all_one_class() -> None:
    good, bad = np.ones(8, dtype=int), np.zeros(8, dtype=int)
    mixed = np.array([1, 0, 1, 1, 0, 0, 1, 0])
    # A constant verdict against mixed labels: precision/recall defined or not as scikit-learn says, kappa 0,
    # MCC undefined (scikit-learn's 0 is a convention, not a value).
    ours, theirs = _ours(good, mixed, mixed.astype(float)), _sklearn(good, mixed, mixed.astype(float))
    assert ours["accuracy"] == theirs["accuracy"] == 0.5
    assert ours["precision"] == theirs["precision"] == 0.5 and ours["recall"] == theirs["recall"] == 1.0
    assert ours["kappa"] == theirs["kappa"] == 0.0
    assert math.isnan(ours["mcc"]) and theirs["mcc"] == 0.0
    assert stats.precision(bad, mixed) is None and math.isnan(_sklearn(bad, mixed, mixed.astype(float))["precision"])
    # Labels all one class: recall undefined when none is good, AUC undefined (scikit-learn: NaN, or an error
    # before 1.8).
    assert stats.recall(mixed, bad) is None and math.isnan(_sklearn(mixed, bad, mixed.astype(float))["recall"])
    assert stats.roc_auc(mixed, good) is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        try:
            theirs = roc_auc_score(good, mixed)
        except ValueError:
            theirs = math.nan
    assert math.isnan(theirs)
    # Verdicts and labels the same single class: chance agreement is 1, kappa undefined (scikit-learn: NaN).
    assert stats.cohen_kappa(good, good) is None and math.isnan(_sklearn(good, good, good.astype(float))["kappa"])
    assert stats.accuracy(good, good) == 1.0


def test_no_rows() -> None:
    empty: list[int] = []
    for figure in (stats.accuracy, stats.precision, stats.recall, stats.f1_score, stats.cohen_kappa):
        assert figure(empty, empty) is None
    assert stats.matthews_corrcoef(empty, empty) is None and stats.roc_auc([], []) is None
    assert stats.confusion_counts(empty, empty) == {"tp": 0, "fp": 0, "fn": 0, "tn": 0}


@pytest.mark.parametrize("seed", range(10))
def test_vectorised_figures_match_scikit_learn_on_each_resample(seed: int) -> None:
    """The bootstrap's figures (row weights, one row per resample) equal scikit-learn on the expanded rows."""
    verdicts, labels, scores = _rows(seed)
    rng = np.random.default_rng(100 + seed)
    draws = rng.integers(0, len(labels), (25, len(labels)))
    weights = np.stack([np.bincount(d, minlength=len(labels)) for d in draws]).astype(float)
    v, y = verdicts.astype(float), labels.astype(float)
    by_weight = weighted_figures(weights, v, y, scores)  # (figures, resamples)
    by_axis = rater_figures(v[draws], y[draws], scores[draws], axis=-1)  # the same resamples, gathered
    assert np.allclose(by_weight, by_axis, equal_nan=True)
    for r, d in enumerate(draws):
        theirs = _sklearn(verdicts[d], labels[d], scores[d])
        for i, name in enumerate(FIGURES):
            if not math.isnan(by_weight[i, r]) and not math.isnan(theirs[name]):
                assert by_weight[i, r] == pytest.approx(theirs[name], abs=1e-12), name
            elif name != "mcc":  # scikit-learn's undefined MCC is 0; the rest are undefined together
                assert math.isnan(by_weight[i, r]) and math.isnan(theirs[name]), name


def test_figures_refuse_labels_that_are_not_binary() -> None:
    with pytest.raises(ValueError, match="0 or 1"):
        stats.cohen_kappa([1, 0], [1, 2])
    with pytest.raises(ValueError, match="finite"):
        stats.roc_auc([1.0, math.inf], [1, 0])
