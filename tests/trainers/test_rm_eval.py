"""Pairwise figures of a reward model beside pick-the-longer: exact on hand-made pairs."""

from __future__ import annotations

import math

import pytest

from harness.data import PreferencePair
from trainers.rm_eval import ScoredPair, pairwise_report

# (chosen chars, rejected chars, chosen reward, rejected reward), with each pair's role in the figures.
PAIRS = [
    ScoredPair(30, 10, 2.0, 1.0),  # chosen longer; RM right
    ScoredPair(30, 10, 0.5, 1.0),  # chosen longer; RM wrong
    ScoredPair(40, 20, 1.0, 1.0),  # chosen longer; RM tie (half)
    ScoredPair(10, 30, 2.0, 1.0),  # chosen shorter; RM right
    ScoredPair(10, 30, 0.0, 1.0),  # chosen shorter; RM wrong
    ScoredPair(20, 20, 3.0, 1.0),  # equal lengths (not longer, similar); RM right; longer half
    ScoredPair(20, 19, 0.0, 1.0),  # similar (5%); chosen longer; RM wrong
    ScoredPair(19, 20, 1.0, 0.0),  # similar (5%); chosen shorter; RM right
]


def test_figures_are_exact_on_hand_made_pairs() -> None:
    report = pairwise_report(PAIRS, similar_length_ratio=0.1)
    every, not_longer, similar = (report.subsets[name] for name in ("all", "chosen_not_longer", "similar_length"))

    assert (every.pairs, every.rm_accuracy, every.longer_accuracy) == (8, 4.5 / 8, 4.5 / 8)
    assert every.difference == 0.0 and every.rm_beats_longer is False
    assert (every.rm_ties, every.length_ties) == (1, 1)

    assert (not_longer.pairs, not_longer.rm_accuracy, not_longer.longer_accuracy) == (4, 0.75, 0.125)
    assert not_longer.difference == 0.625 and not_longer.rm_beats_longer is True

    assert (similar.pairs, similar.rm_accuracy, similar.longer_accuracy) == (3, 2 / 3, 0.5)
    assert math.isclose(similar.difference, 1 / 6) and similar.rm_beats_longer is True

    # Unequal-length pairs: credit for ranking the longer side higher is 1, 0, .5, 0, 1, 0, 0.
    assert report.rm_prefers_longer == 2.5 / 7
    assert report.learned_length is False
    assert "beats pick-the-longer on both length-controlled subsets" in report.verdict


def test_a_length_model_is_called_out() -> None:
    by_length = [ScoredPair(p.chosen_chars, p.rejected_chars, p.chosen_chars, p.rejected_chars) for p in PAIRS]
    report = pairwise_report(by_length)
    for figures in report.subsets.values():
        assert figures.rm_accuracy == figures.longer_accuracy and figures.rm_beats_longer is False
    assert report.rm_prefers_longer == 1.0
    assert report.learned_length is True
    assert "does NOT beat pick-the-longer" in report.verdict and "learned length" in report.verdict
    assert "chosen_not_longer, similar_length" in report.verdict
    markdown = report.to_markdown()
    assert "| chosen_not_longer | 4 | 0.125 | 0.125 | +0.000 [+0.000, +0.000] | no |" in markdown
    assert report.verdict in markdown


def test_beating_one_subset_only_is_still_length() -> None:
    pairs = [ScoredPair(10, 30, 1.0, 0.0), ScoredPair(30, 29, 0.0, 1.0)]  # right where shorter, wrong where similar
    report = pairwise_report(pairs)
    assert report.subsets["chosen_not_longer"].rm_beats_longer is True
    assert report.subsets["similar_length"].rm_beats_longer is False
    assert report.learned_length is True
    assert "subset(s) similar_length (" in report.verdict


def test_empty_subsets_cannot_decide() -> None:
    report = pairwise_report([ScoredPair(30, 10, 1.0, 0.0)])
    assert report.subsets["chosen_not_longer"].pairs == 0
    assert report.subsets["chosen_not_longer"].rm_accuracy is None
    assert report.learned_length is None and report.verdict.startswith("Cannot tell")
    nothing = pairwise_report([])
    assert nothing.rm_prefers_longer is None and nothing.subsets["all"].pairs == 0
    assert "n/a" in nothing.to_markdown()


def test_lengths_are_stripped_characters() -> None:
    pair = PreferencePair(prompt="q", chosen="  祝你快乐！ ", rejected="快乐", line=0)
    scored = ScoredPair.from_pair(pair, 0.25, 0.5)
    assert (scored.chosen_chars, scored.rejected_chars) == (5, 2)
    assert (scored.rm_credit, scored.longer_credit) == (0.0, 1.0)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="similar_length_ratio"):
        pairwise_report(PAIRS, similar_length_ratio=1.5)
    with pytest.raises(ValueError, match="finite"):
        pairwise_report([ScoredPair(3, 2, math.nan, 0.0)])
