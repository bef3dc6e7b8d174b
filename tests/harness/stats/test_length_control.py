"""The length-controlled likelihood-ratio test against scikit-learn's fits and scipy's chi-square tail."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2
from sklearn.linear_model import LogisticRegression

from harness.stats import length_controlled, length_controlled_rates


def _loglik(x: np.ndarray, y: np.ndarray) -> float:
    model = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(x, y)
    p = model.predict_proba(x)[:, 1]
    return float(np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))


@pytest.mark.parametrize("seed", range(4))
def test_likelihood_ratio_matches_scikit_learn_and_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    lengths = np.round(np.exp(rng.uniform(np.log(6), np.log(120), n)))
    labels = (rng.random(n) < 1 / (1 + np.exp(-2 * (np.log1p(lengths) - np.log(36))))).astype(int)
    verdicts = np.where(rng.random(n) < 0.65, labels, 1 - labels)
    control = length_controlled(lengths, verdicts, labels)
    log_length = np.log1p(lengths)[:, None]
    reduced = _loglik(log_length, labels)
    full = _loglik(np.column_stack([log_length, verdicts]), labels)
    assert control.loglik_reduced == pytest.approx(reduced, abs=1e-5)
    assert control.loglik_full == pytest.approx(full, abs=1e-5)
    assert control.lr_statistic == pytest.approx(2 * (full - reduced), abs=1e-4)
    assert control.p_value == pytest.approx(chi2.sf(2 * (full - reduced), df=1), rel=1e-3)


def test_rates_of_no_runs_and_without_resamples() -> None:
    assert length_controlled_rates({"empty": []}) == {}
    rates = length_controlled_rates({"a": [(10, True), (30, False), (50, True)], "b": [(20, True)]}, resamples=0)
    assert set(rates) == {"a", "b"}
    assert all(r.ci_low == r.rate == r.ci_high for r in rates.values())  # no resamples: the point
    assert 0 < rates["b"].rate < 1  # all good, yet finite under the ridge prior


def test_means_at_equal_length_remove_a_shared_length_slope() -> None:
    import math

    from harness.stats import length_controlled_means

    # score = group effect + 2 * log(1 + chars): the longer group's raw mean is higher, its effect is not
    def group(effect: float, lengths: list[int]) -> list[tuple[int, float]]:
        return [(n, effect + 2 * math.log1p(n)) for n in lengths]

    short, long = group(1.0, [10, 12, 14]), group(1.0, [40, 45, 50])
    raw = [sum(s for _, s in g) / len(g) for g in (short, long)]
    controlled = length_controlled_means([short, long])
    assert raw[1] - raw[0] > 2
    assert controlled[0] == pytest.approx(controlled[1], abs=1e-9)
    better = length_controlled_means([short, group(1.5, [40, 45, 50])])
    assert better[1] - better[0] == pytest.approx(0.5, abs=1e-9)
    # no group with two lengths: plain means; an empty group: None
    assert length_controlled_means([[(10, 0.2)], [(30, 0.8)], []]) == [0.2, 0.8, None]
    assert length_controlled_means([]) == [] and length_controlled_means([[]]) == [None]
