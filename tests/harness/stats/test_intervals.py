"""The Wilson interval against scipy's ``binomtest(...).proportion_ci(method="wilson")`` and by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binomtest

from harness.stats import wilson_interval


def test_wilson_matches_hand_calculation() -> None:
    # 7 of 10 at 95%: z = 1.959964; centre = (0.7 + z^2/20) / (1 + z^2/10), half = z*sqrt(.21/10 + z^2/400)/(1+z^2/10)
    z = 1.959963984540054
    n, p = 10, 0.7
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    low, high = wilson_interval(7, 10)
    assert low == pytest.approx(centre - half, abs=1e-9)
    assert high == pytest.approx(centre + half, abs=1e-9)


def test_wilson_all_good_is_not_degenerate() -> None:
    low, high = wilson_interval(5, 5)
    assert 0.4 < low < 0.6 and high == pytest.approx(1.0)


@pytest.mark.parametrize(("good", "n"), [(0, 1), (1, 1), (0, 6), (3, 6), (6, 6), (17, 40), (999, 1000)])
def test_wilson_matches_scipy(good: int, n: int) -> None:
    low, high = wilson_interval(good, n)
    want = binomtest(good, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert math.isclose(low, want.low, abs_tol=1e-12) and math.isclose(high, want.high, abs_tol=1e-12)


def test_wilson_matches_scipy_on_random_counts_and_levels() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(1, 5000))
        good = int(rng.integers(0, n + 1))
        confidence = float(rng.choice([0.5, 0.8, 0.9, 0.95, 0.99]))
        low, high = wilson_interval(good, n, confidence)
        want = binomtest(good, n).proportion_ci(confidence_level=confidence, method="wilson")
        assert math.isclose(low, want.low, abs_tol=1e-12) and math.isclose(high, want.high, abs_tol=1e-12)
        assert 0.0 <= low <= good / n <= high <= 1.0


def test_wilson_edges() -> None:
    assert all(math.isnan(x) for x in wilson_interval(0, 0))  # no trials: no interval
    assert wilson_interval(0, 9)[0] == 0.0 and wilson_interval(9, 9)[1] == 1.0  # exactly, as scipy gives them
