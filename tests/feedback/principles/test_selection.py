"""How a candidate is chosen: balanced accuracy (an unscored verdict a miss), never a judge of one class, and the
report's balanced accuracy with paired intervals."""

from __future__ import annotations

import pytest

from feedback.principles.balanced import balanced_accuracy, paired_balanced_accuracy
from feedback.principles.detector import SliceAgreement
from feedback.principles.selection import one_class_reason, rejection


def agreement(verdicts: list[int | None], labels: list[int]) -> SliceAgreement:
    """A slice's agreement from verdicts and labels alone (only the fields the choice reads are exact)."""
    scored = [v for v in verdicts if v is not None]
    hits = sum(v == label for v, label in zip(verdicts, labels, strict=True))
    return SliceAgreement(
        accuracy=None,
        kappa=None,
        n=len(scored),
        unscored=len(verdicts) - len(scored),
        score=hits / len(labels),
        balanced_accuracy=balanced_accuracy(verdicts, labels),
        judged_good=scored.count(1),
        judged_bad=scored.count(0),
    )


def test_balanced_accuracy_is_the_mean_of_the_two_recalls() -> None:
    labels = [1, 0, 0, 0]
    assert balanced_accuracy([1, 0, 0, 0], labels) == 1.0
    assert balanced_accuracy([0, 0, 0, 0], labels) == 0.5  # any constant judge: 0.5, whatever the label mix
    assert balanced_accuracy([1, 1, 1, 1], labels) == 0.5
    assert balanced_accuracy([1, 0, 1, 0], labels) == pytest.approx((1 + 2 / 3) / 2)


def test_an_unscored_verdict_is_a_miss_on_either_label() -> None:
    assert balanced_accuracy([None, 0], [1, 0]) == 0.5
    assert balanced_accuracy([1, None], [1, 0]) == 0.5
    assert balanced_accuracy([None, None], [1, 0]) == 0.0


def test_a_slice_with_one_label_has_no_balanced_accuracy() -> None:
    assert balanced_accuracy([0, 0], [0, 0]) is None
    assert balanced_accuracy([], []) is None
    with pytest.raises(ValueError, match="2 verdicts but 1 labels"):
        balanced_accuracy([0, 1], [0])


@pytest.mark.parametrize(("constant", "word"), [(0, "bad"), (1, "good")])
def test_a_candidate_of_one_class_never_replaces_the_rules(constant: int, word: str) -> None:
    labels = [1, 0, 0, 0]
    broken = agreement([constant, None, constant, constant], labels)
    worse = agreement([0, 1, 1, 1], labels)  # wrong on every row: balanced accuracy 0
    assert broken.balanced_accuracy is not None and broken.balanced_accuracy > (worse.balanced_accuracy or 0)
    reason = rejection(broken, worse)
    assert reason is not None and reason.startswith("one class only") and word in reason
    assert one_class_reason(agreement([None] * 4, labels)) == "no readable verdict on the validation slice"


def test_balanced_accuracy_decides_not_plain_accuracy() -> None:
    """On a slice with one good row in four, "bad to all but one bad row" is right more often than "good to all",
    but it misses the good row: it loses on balanced accuracy, so it does not win."""
    labels = [1, 0, 0, 0]
    current = agreement([1, 1, 1, 1], labels)
    candidate = agreement([0, 1, 0, 0], labels)
    assert candidate.score > current.score
    assert candidate.balanced_accuracy is not None and current.balanced_accuracy is not None
    assert candidate.balanced_accuracy < current.balanced_accuracy
    reason = rejection(candidate, current)
    assert reason == "balanced accuracy 0.333 is not above the current rules' 0.500"
    better = agreement([1, 0, 0, 1], labels)
    assert rejection(better, current) is None
    assert rejection(better, better) is not None  # a tie keeps the current rules


def test_a_slice_with_one_label_lets_no_candidate_through() -> None:
    reason = rejection(agreement([1, 0], [0, 0]), agreement([1, 1], [0, 0]))
    assert reason == "the validation slice lacks a label: balanced accuracy is undefined"


def test_the_reports_balanced_accuracy_is_paired_over_rows_both_scored() -> None:
    labels = [1, 1, 0, 0, 0, 1, 0, 1]
    judge = [1, 1, 0, 0, 1, None, 0, 1]
    baseline = [1, 0, 0, 0, 0, 1, 1, 1]
    compared = paired_balanced_accuracy(judge, baseline, labels, n_resamples=200)
    kept = [i for i in range(len(labels)) if judge[i] is not None]
    assert compared.n == len(kept)
    j = balanced_accuracy([judge[i] for i in kept], [labels[i] for i in kept])
    b = balanced_accuracy([baseline[i] for i in kept], [labels[i] for i in kept])
    assert compared.judge.value == pytest.approx(j) and compared.baseline.value == pytest.approx(b)
    assert compared.difference.value == pytest.approx(j - b)
    for estimate in (compared.judge, compared.baseline, compared.difference):
        assert estimate.ci_low is not None and estimate.ci_high is not None
        assert estimate.ci_low <= estimate.value <= estimate.ci_high
    same = paired_balanced_accuracy(judge, judge, labels, n_resamples=200)
    assert (same.difference.value, same.difference.ci_low, same.difference.ci_high) == (0.0, 0.0, 0.0)
    empty = paired_balanced_accuracy([None], [1], [1])
    assert empty.n == 0 and empty.judge.value is None and empty.difference.value is None
