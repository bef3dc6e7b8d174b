"""Agreement figures against hand calculations, bootstrap edge cases, length strata and the length-controlled test."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.stats import (
    MAX_UNDEFINED_SHARE,
    accuracy,
    agreement_figures,
    cluster_codes,
    cohen_kappa,
    confusion_counts,
    f1_score,
    fit_logistic,
    length_controlled,
    length_edges,
    length_strata,
    matthews_corrcoef,
    paired_difference,
    precision,
    recall,
    roc_auc,
)

# tp = 3 (rows 0, 1, 6), fp = 2 (rows 2, 8), fn = 1 (row 5), tn = 4 (rows 3, 4, 7, 9).
VERDICTS = [1, 1, 1, 0, 0, 0, 1, 0, 1, 0]
LABELS = [1, 1, 0, 0, 0, 1, 1, 0, 0, 0]


def test_confusion_figures_match_hand_values() -> None:
    assert confusion_counts(VERDICTS, LABELS) == {"tp": 3, "fp": 2, "fn": 1, "tn": 4}
    assert accuracy(VERDICTS, LABELS) == pytest.approx(0.7)
    assert precision(VERDICTS, LABELS) == pytest.approx(3 / 5)
    assert recall(VERDICTS, LABELS) == pytest.approx(3 / 4)
    assert f1_score(VERDICTS, LABELS) == pytest.approx(6 / 9)
    # p_o = 0.7; p_e = (5 judged good x 4 labelled good + 5 x 6) / 100 = 0.5; kappa = 0.2 / 0.5.
    assert cohen_kappa(VERDICTS, LABELS) == pytest.approx(0.4)
    # (tp tn - fp fn) / sqrt(5 * 4 * 6 * 5) = 10 / sqrt(600).
    assert matthews_corrcoef(VERDICTS, LABELS) == pytest.approx(10 / math.sqrt(600))


def test_auc_counts_ties_half() -> None:
    # Good rows score 3, 2, 2; bad rows 2, 1. Of the 6 good-bad pairs: 4 wins and 2 ties -> (4 + 1) / 6.
    assert roc_auc([3, 2, 2, 2, 1], [1, 1, 1, 0, 0]) == pytest.approx(5 / 6)
    assert roc_auc([1, 1, 1, 1], [1, 0, 1, 0]) == pytest.approx(0.5)  # all tied
    assert roc_auc([0.1, 0.9], [1, 0]) == 0.0
    assert roc_auc([1, 2], [1, 1]) is None  # no bad rows
    with pytest.raises(ValueError, match="finite"):
        roc_auc([1, float("nan")], [1, 0])


def test_undefined_figures_are_none_never_zero() -> None:
    assert precision([0, 0, 0], [1, 0, 1]) is None  # nothing judged good
    assert recall([1, 0, 1], [0, 0, 0]) is None  # nothing labelled good
    assert f1_score([0, 0], [0, 0]) is None
    assert matthews_corrcoef([1, 1, 1], [1, 0, 1]) is None  # empty margin
    assert cohen_kappa([1, 1, 1], [1, 0, 1]) == 0.0  # a constant judge agrees only by chance
    assert cohen_kappa([1, 1], [1, 1]) is None  # chance agreement is 1
    assert accuracy([], []) is None
    with pytest.raises(ValueError, match="0 or 1"):
        accuracy([2, 0], [1, 0])


def test_agreement_figures_points_intervals_and_unscored() -> None:
    verdicts = [*VERDICTS, None, None]
    labels = [*LABELS, 1, 0]
    scores = [0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.6, 0.4, 0.5, 0.0, None, 0.5]
    figures = agreement_figures(verdicts, labels, scores, n_resamples=500, seed=1)
    assert figures.n == 10 and figures.unscored == 2  # counted, then left out
    assert figures.labelled_good == 4 and figures.judged_good == 5
    assert figures.confusion == {"tp": 3, "fp": 2, "fn": 1, "tn": 4}
    assert figures["accuracy"].value == pytest.approx(0.7)
    assert figures["kappa"].value == pytest.approx(0.4)
    assert figures["auc"].value == pytest.approx(roc_auc(scores[:10], LABELS))
    for name in ("accuracy", "f1", "auc"):
        estimate = figures[name]
        assert estimate.ci_low <= estimate.value <= estimate.ci_high
    assert figures.bootstrap["method"] == "percentile" and figures.bootstrap["paired"]
    again = agreement_figures(verdicts, labels, scores, n_resamples=500, seed=1)
    assert again == figures  # fixed seed: reproducible
    assert (
        figures["accuracy"].format() == f"0.700 [{figures['accuracy'].ci_low:.3f}, {figures['accuracy'].ci_high:.3f}]"
    )


def test_figures_without_scores_have_no_auc_and_missing_scores_give_none() -> None:
    assert "auc" not in agreement_figures(VERDICTS, LABELS, n_resamples=0).figures
    partial = agreement_figures(VERDICTS, LABELS, [0.5] * 9 + [None], n_resamples=0)
    assert partial["auc"].value is None  # AUC only on the same rows as the other figures


def test_degenerate_resamples_are_dropped_and_counted() -> None:
    # One good verdict in 20 rows: about a third of resamples hold no predicted positive, so precision is
    # undefined there; far more than MAX_UNDEFINED_SHARE, so no interval, while accuracy keeps its interval.
    verdicts = [1] + [0] * 19
    labels = [1] + [0] * 10 + [1] * 9
    figures = agreement_figures(verdicts, labels, n_resamples=400, seed=3)
    assert figures["precision"].value == 1.0
    assert figures["precision"].undefined_resamples > MAX_UNDEFINED_SHARE * 400
    assert figures["precision"].ci_low is None and figures["precision"].format() == "1.000"
    assert figures["accuracy"].undefined_resamples == 0 and figures["accuracy"].ci_low is not None


def test_no_rows_and_one_row() -> None:
    empty = agreement_figures([None, None], [1, 0])
    assert empty.n == 0 and empty.unscored == 2 and empty["accuracy"].value is None
    one = agreement_figures([1], [1])
    assert one["accuracy"].value == 1.0 and one["accuracy"].ci_low is None  # nothing to resample


def test_length_edges_and_strata() -> None:
    lengths = list(range(1, 11))
    assert length_edges(lengths) == pytest.approx([2.8, 4.6, 6.4, 8.2])
    labels = [0, 0, 0, 0, 1, 0, 1, 1, 1, 1]
    verdicts = [0, 0, 1, 0, 1, 1, 1, 1, 1, 1]
    baseline = [int(n >= 5) for n in lengths]
    strata = length_strata(lengths, verdicts, labels, baseline_verdicts=baseline, n_resamples=0)
    assert [s.figures.n for s in strata] == [2, 2, 2, 2, 2]
    assert [(s.min_length, s.max_length) for s in strata] == [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10)]
    assert strata[1].figures["accuracy"].value == 0.5 and strata[1].baseline["accuracy"].value == 1.0
    assert strata[0].lower_edge is None and strata[-1].upper_edge is None
    # Edges come from the scored rows only (1..9 here), and the unscored row sits in no stratum.
    with_unscored = length_strata(lengths, [*verdicts[:9], None], labels, n_resamples=0)
    assert with_unscored[0].upper_edge == pytest.approx(2.6)
    assert sum(s.figures.n for s in with_unscored) == 9
    tied = length_strata([5] * 6, [1, 0] * 3, [1, 1, 0, 0, 1, 0], n_resamples=0)
    assert [s.figures.n for s in tied] == [6, 0, 0, 0, 0]  # equal edges: empty strata, reported


def _smooth_length_data(n: int = 1500, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lengths = np.round(np.exp(rng.uniform(np.log(6), np.log(120), n)))
    p_good = 1 / (1 + np.exp(-2.5 * (np.log1p(lengths) - np.log(36))))
    return lengths, (rng.random(n) < p_good).astype(int)


def test_length_control_detects_a_judge_that_adds_information() -> None:
    lengths, labels = _smooth_length_data()
    rng = np.random.default_rng(1)
    judge = np.where(rng.random(len(labels)) < 0.8, labels, 1 - labels)  # right 80% of the time, whatever the length
    control = length_controlled(lengths, judge, labels)
    assert control.n == len(labels) and control.note is None
    assert control.p_value < 1e-10 and control.verdict_ci_low > 0.5
    assert control.odds_ratio == pytest.approx(math.exp(control.verdict_coef))
    assert control.lr_statistic == pytest.approx(2 * (control.loglik_full - control.loglik_reduced))
    assert control.length_coef_reduced > 0


def test_length_control_reports_nothing_for_the_length_rule() -> None:
    lengths, labels = _smooth_length_data()
    rule = (lengths >= 36).astype(int)
    control = length_controlled(lengths, rule, labels)
    assert control.p_value > 0.05
    assert control.verdict_ci_low < 0 < control.verdict_ci_high


def test_length_control_edge_cases() -> None:
    lengths, labels = _smooth_length_data(200)
    constant = length_controlled(lengths, np.ones(200), labels)
    assert constant.verdict_coef is None and constant.lr_statistic == 0 and constant.p_value == 1
    assert "constant" in constant.note
    perfect = length_controlled(lengths, labels, labels)  # the verdict separates the labels
    assert perfect.verdict_coef is None and "separation" in perfect.note
    assert perfect.p_value < 1e-10
    one_class = length_controlled(lengths, labels, np.ones(200))
    assert one_class.lr_statistic is None and "one class" in one_class.note
    unscored = length_controlled([10, 20, 30, 40], [None, 1, 0, 1], [1, 1, 0, 0])
    assert unscored.n == 3


def test_fit_logistic_intercept_only_is_the_log_odds() -> None:
    y = np.array([1, 1, 1, 0] * 5, dtype=float)
    beta, loglik = fit_logistic(np.ones((20, 1)), y)
    assert beta[0] == pytest.approx(math.log(3), abs=1e-6)
    assert loglik == pytest.approx(20 * (0.75 * math.log(0.75) + 0.25 * math.log(0.25)))


def test_length_control_with_the_length_rule_as_a_control() -> None:
    # Labels follow a sharp cut at 36 chars (with 10% noise): the rule beats a smooth length model by itself,
    # a judge that is the rule with extra noise adds nothing once the rule is controlled for, an informed one does.
    rng = np.random.default_rng(2)
    lengths = np.round(np.exp(rng.uniform(np.log(6), np.log(120), 1500)))
    rule = (lengths >= 36).astype(int)
    labels = np.where(rng.random(1500) < 0.9, rule, 1 - rule)
    assert length_controlled(lengths, rule, labels).p_value < 1e-10  # the step "adds" over smooth length
    noisy_rule = np.where(rng.random(1500) < 0.9, rule, 1 - rule)
    assert length_controlled(lengths, noisy_rule, labels, controls=[rule]).p_value > 0.05
    informed = np.where(rng.random(1500) < 0.8, labels, 1 - labels)
    assert length_controlled(lengths, informed, labels, controls=[rule]).p_value < 1e-10
    same = length_controlled(lengths, rule, labels, controls=[rule])
    assert same.lr_statistic == 0 and same.p_value == 1 and "collinear" in same.note
    dropped = length_controlled(lengths, informed, labels, controls=[[None] + [1] * 1499])
    assert dropped.n == 1499 and "constant" in dropped.note


# The length-rule stand-in against LABELS: tp = 3 (rows 0, 5, 6), fp = 1 (row 2), fn = 1 (row 1), tn = 5.
BASELINE = [1, 0, 1, 0, 0, 1, 1, 0, 0, 0]


def test_paired_difference_points_match_hand_values() -> None:
    compared = paired_difference(VERDICTS, BASELINE, LABELS, n_resamples=0)
    assert compared.n == 10 and compared.baseline.confusion == {"tp": 3, "fp": 1, "fn": 1, "tn": 5}
    # Baseline: accuracy 0.8; p_e = (4 x 4 + 6 x 6) / 100 = 0.52, kappa = 0.28 / 0.48. Judge: 0.7 and 0.4.
    assert compared.difference["accuracy"].value == pytest.approx(0.7 - 0.8)
    assert compared.difference["kappa"].value == pytest.approx(0.4 - 0.28 / 0.48)
    assert set(compared.difference) == {"accuracy", "kappa"}  # no scores: no AUC difference
    assert compared.difference["accuracy"].ci_low is None  # no resamples: no interval


def test_paired_difference_uses_the_same_resamples_as_the_single_figures() -> None:
    rng = np.random.default_rng(11)
    labels = rng.integers(0, 2, 60)
    verdicts = np.where(rng.random(60) < 0.8, labels, 1 - labels)
    baseline = np.where(rng.random(60) < 0.7, labels, 1 - labels)
    scores, lengths = rng.random(60) + 0.4 * labels, rng.integers(5, 90, 60) + 20 * labels
    compared = paired_difference(verdicts, baseline, labels, scores, lengths, n_resamples=300, seed=4)
    assert compared.judge == agreement_figures(verdicts, labels, scores, n_resamples=300, seed=4)
    assert compared.baseline == agreement_figures(baseline, labels, lengths, n_resamples=300, seed=4)
    # By hand: scipy's paired bootstrap draws row indices rng.integers(0, n, (resamples, n)) from the seed.
    draws = np.random.default_rng(4).integers(0, 60, (300, 60))
    differences = (verdicts[draws] == labels[draws]).mean(axis=1) - (baseline[draws] == labels[draws]).mean(axis=1)
    low, high = np.quantile(differences, [0.025, 0.975])
    assert compared.difference["accuracy"].ci_low == pytest.approx(low)
    assert compared.difference["accuracy"].ci_high == pytest.approx(high)
    auc = compared.difference["auc"]
    assert auc.value == pytest.approx(roc_auc(scores, labels) - roc_auc(lengths, labels))
    assert auc.ci_low <= auc.value <= auc.ci_high


def test_a_judge_never_worse_than_the_baseline_has_a_non_negative_interval() -> None:
    labels = [1, 0] * 20
    baseline = [1, 1] * 20  # right on every good row, wrong on every bad one
    judge = [*baseline[:-3], 0, 1, 0]  # the same, except right on two more bad rows (rows 37 and 39)
    compared = paired_difference(judge, baseline, labels, n_resamples=400, seed=2)
    accuracy_gain = compared.difference["accuracy"]
    assert accuracy_gain.value == pytest.approx(2 / 40)
    assert accuracy_gain.ci_low >= 0  # on every resample the judge is at least as accurate
    separate_low = compared.judge["accuracy"].ci_low - compared.baseline["accuracy"].ci_high
    assert separate_low < 0 <= accuracy_gain.ci_low  # the separate intervals overlap; the paired one does not
    same = paired_difference(baseline, baseline, labels, n_resamples=100)
    assert (same.difference["accuracy"].value, same.difference["accuracy"].ci_low) == (0.0, 0.0)
    assert same.difference["kappa"].value == 0.0  # a rater against itself: 0, and kappa 0 - 0 for a constant one


def test_paired_difference_rows_unscored_and_undefined() -> None:
    compared = paired_difference([1, None, 0, 1], [1, 0, None, 0], [1, 0, 0, 1], n_resamples=0)
    assert compared.n == 2 and compared.judge.unscored == 1 and compared.baseline.unscored == 1
    assert compared.difference["accuracy"].value == pytest.approx(1.0 - 0.5)
    # Rows 0 and 3 are both labelled good: kappa is 0 for the baseline's mixed verdicts and undefined for the
    # judge's (all good against all good: chance agreement 1), so the difference is undefined, not 0.
    assert compared.difference["kappa"].value is None
    partial = paired_difference([1, 0], [1, 0], [1, 0], [0.9, None], [3, 1], n_resamples=0)
    assert partial.difference["auc"].value is None  # a judge row without a score: no AUC, so no AUC difference
    empty = paired_difference([None], [1], [1])
    assert empty.n == 0 and empty.difference["accuracy"].value is None
    with pytest.raises(ValueError, match="one entry per row"):
        paired_difference([1, 0], [1], [1, 0])


def test_cluster_bootstrap_treats_epochs_of_a_sample_as_one_draw() -> None:
    rng = np.random.default_rng(8)
    labels = rng.integers(0, 2, 50)
    verdicts = np.where(rng.random(50) < 0.75, labels, 1 - labels)
    scores = rng.random(50) + 0.5 * labels
    once = agreement_figures(verdicts, labels, scores, n_resamples=300, seed=5)
    epochs = 3  # three identical epochs of each sample
    ids = [f"s{i}" for i in range(50) for _ in range(epochs)]
    rows = [np.repeat(a, epochs) for a in (verdicts, labels, scores)]
    clustered = agreement_figures(*rows, clusters=ids, n_resamples=300, seed=5)
    naive = agreement_figures(*rows, n_resamples=300, seed=5)
    for name in ("accuracy", "kappa", "auc"):
        # Resampling sample ids draws the same 50 units as the single-epoch bootstrap: the same interval.
        assert clustered[name].value == pytest.approx(once[name].value)
        assert clustered[name].ci_low == pytest.approx(once[name].ci_low)
        assert clustered[name].ci_high == pytest.approx(once[name].ci_high)
    naive_width = naive["accuracy"].ci_high - naive["accuracy"].ci_low
    assert naive_width < clustered["accuracy"].ci_high - clustered["accuracy"].ci_low  # rows: falsely narrow
    assert clustered.bootstrap["resampled"] == "clusters" and clustered.bootstrap["clusters"] == 50
    assert once.bootstrap["resampled"] == "rows" and once.bootstrap["clusters"] is None
    compared = paired_difference(rows[0], rows[0][::-1], rows[1], clusters=ids, n_resamples=300, seed=5)
    assert compared.bootstrap["resampled"] == "clusters"


def test_cluster_codes() -> None:
    assert cluster_codes(None, 3) is None
    assert cluster_codes(["a", "b", "c"], 3) is None  # one row per id: the plain row bootstrap
    assert cluster_codes(["b", "a", "b"], 3).tolist() == [0, 1, 0]
    with pytest.raises(ValueError, match="2 cluster ids for 3 rows"):
        cluster_codes(["a", "b"], 3)
    with pytest.raises(ValueError, match="cluster ids"):
        agreement_figures([1, 0], [1, 0], clusters=["a"])
