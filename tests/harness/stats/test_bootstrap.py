"""Bootstrap intervals against scipy.stats.bootstrap run directly on the same rows with the same seed."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as scipy_stats

from harness.stats import agreement_figures, mean_difference_ci


def test_difference_interval_brackets_the_difference() -> None:
    rm = [1.0, 0.0, 1.0, 1.0, 0.5, 1.0, 0.0, 1.0]
    longer = [0.0, 0.0, 1.0, 0.0, 0.5, 0.0, 1.0, 0.0]
    low, high = mean_difference_ci(rm, longer)
    assert low <= 0.375 <= high and low < high
    assert mean_difference_ci(rm, longer) == (low, high)  # seeded: the same every time
    assert mean_difference_ci([1.0], [0.0]) == (1.0, 1.0)  # one pair: nothing to resample


@pytest.mark.parametrize("seed", range(5))
def test_mean_difference_matches_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    first, second = rng.random(40), rng.random(40)
    result = scipy_stats.bootstrap(
        (first - second,), np.mean, n_resamples=500, method="percentile", rng=np.random.default_rng(seed)
    )
    got = mean_difference_ci(list(first), list(second), n_resamples=500, seed=seed)
    assert got == pytest.approx((result.confidence_interval.low, result.confidence_interval.high), abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_agreement_intervals_match_scipy_paired_bootstrap(seed: int) -> None:
    """The vectorised, weight-based bootstrap gives scipy's paired percentile interval of the plain statistic."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, 80)
    verdicts = np.where(rng.random(80) < 0.75, labels, 1 - labels)
    scores = rng.random(80) + 0.4 * labels
    figures = agreement_figures(verdicts, labels, scores, n_resamples=400, seed=seed)

    def accuracy(v: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.mean(v == y, axis=axis)

    want = scipy_stats.bootstrap(
        (verdicts, labels),
        accuracy,
        n_resamples=400,
        paired=True,
        method="percentile",
        rng=np.random.default_rng(seed),
    ).confidence_interval
    assert (figures["accuracy"].ci_low, figures["accuracy"].ci_high) == pytest.approx((want.low, want.high))
    assert figures["accuracy"].undefined_resamples == 0


def test_too_few_rows_to_resample() -> None:
    one = agreement_figures([1], [1], n_resamples=100)
    assert one["accuracy"].value == 1.0 and one["accuracy"].ci_low is None
    none = agreement_figures([1, 0], [1, 0], n_resamples=0)
    assert none["accuracy"].ci_low is None and none.bootstrap["resamples"] == 0
