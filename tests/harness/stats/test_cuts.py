"""Accuracy-maximising cuts: by hand, against a brute-force search over every candidate, and their edge cases."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from harness.stats import best_split, cut_accuracy, fit_integer_threshold, fit_threshold


@pytest.mark.parametrize(
    ("rewards", "labels", "expected"),
    [
        ([0.1, 0.4, 0.35, 0.8], [0, 1, 0, 1], 0.375),  # separable: midpoint of the neighbours across the gap
        ([1.0, 2.0, 3.0, 4.0], [0, 1, 0, 1], 1.5),  # 1.5 and 3.5 both 3/4 right: the lowest wins
        ([1.0, 1.0, 2.0], [0, 1, 1], 1.0),  # a mixed tie cannot be split: all good (2/3) beats nothing better
        ([2.0, 2.0, 1.0], [0, 1, 0], 1.5),  # the tie goes whole to the good side
        ([1.0, 2.0], [1, 0], 1.0),  # anti-correlated: all good and all bad tie at 1/2, the lowest wins
        ([3.0, -1.0, 2.0], [1, 1, 1], -1.0),  # all good: the smallest reward
        ([5.0], [1], 5.0),
    ],
)
def test_fit_threshold_by_hand(rewards: list[float], labels: list[int], expected: float) -> None:
    assert fit_threshold(rewards, labels) == expected


def test_fit_threshold_all_bad_goes_just_above_the_largest() -> None:
    cut = fit_threshold([3.0, -1.0, 2.0], [0, 0, 0])
    assert cut == math.nextafter(3.0, math.inf)
    assert cut_accuracy([3.0, -1.0, 2.0], [0, 0, 0], cut) == 1.0


def test_fit_threshold_between_adjacent_floats() -> None:
    high = math.nextafter(1.0, math.inf)
    cut = fit_threshold([1.0, high], [0, 1])
    assert cut_accuracy([1.0, high], [0, 1], cut) == 1.0


def test_fit_threshold_matches_brute_force() -> None:
    rng = random.Random(7)
    for _ in range(200):
        n = rng.randint(1, 12)
        rewards = [rng.choice([-1.0, 0.0, 0.5, 1.0, 2.0, rng.uniform(-3, 3)]) for _ in range(n)]
        labels = [rng.randint(0, 1) for _ in range(n)]
        best = max(cut_accuracy(rewards, labels, t) for t in [*rewards, math.inf])
        assert cut_accuracy(rewards, labels, fit_threshold(rewards, labels)) == best


@pytest.mark.parametrize(
    ("rewards", "labels", "message"),
    [
        ([], [], "no rows"),
        ([1.0], [1, 0], "labels"),
        ([1.0], [2], "0 and 1"),
        ([1.0], [True], "0 and 1"),
        ([math.nan], [1], "finite"),
    ],
)
def test_fit_threshold_refuses_bad_input(rewards: list[float], labels: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fit_threshold(rewards, labels)


def test_integer_cut_matches_brute_force_over_every_candidate() -> None:
    rng = np.random.default_rng(3)
    for _ in range(300):
        n = int(rng.integers(1, 40))
        lengths = [int(x) for x in rng.integers(0, 25, n)]
        labels = [int(x) for x in rng.integers(0, 2, n)]
        candidates = sorted({*lengths, max(lengths) + 1})
        # The old rule, written out: the most accurate candidate, the smallest on a tie.
        want = max(candidates, key=lambda t: (cut_accuracy(lengths, labels, t), -t))
        assert fit_integer_threshold(lengths, labels) == want


def test_integer_cut_edges() -> None:
    assert fit_integer_threshold([4, 2, 9], [1, 1, 1]) == 2  # all good: the smallest value
    assert fit_integer_threshold([4, 2, 9], [0, 0, 0]) == 10  # all bad: one past the largest
    assert fit_integer_threshold([3, 3], [1, 0]) == 3  # a mixed tie: all good and all bad tie, the lowest wins
    with pytest.raises(ValueError, match="no rows"):
        fit_integer_threshold([], [])


def test_best_split_counts_ties_as_one_value() -> None:
    assert best_split([2.0, 1.0, 2.0, 3.0], [0, 0, 1, 1]) == ([1.0, 2.0, 3.0], 1)
    assert best_split([1.0], [0]) == ([1.0], 1)


def test_cut_accuracy_of_no_rows_is_nan() -> None:
    assert math.isnan(cut_accuracy([], [], 0.5))
