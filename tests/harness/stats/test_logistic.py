"""Logistic fits against scikit-learn's LogisticRegression on random data (plain and L2-penalised)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from harness.stats import fit_logistic, fit_ridge_logistic_by_group
from harness.stats.logistic import negative_loglik


def _data(seed: int, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    p = 1 / (1 + np.exp(-(0.3 + 1.2 * x[:, 0] - 0.7 * x[:, 1])))
    return x, (rng.random(n) < p).astype(float)


@pytest.mark.parametrize("seed", range(5))
def test_fit_logistic_matches_scikit_learn(seed: int) -> None:
    x, y = _data(seed)
    beta, loglik = fit_logistic(np.column_stack([np.ones(len(y)), x]), y)
    model = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(x, y)
    assert beta == pytest.approx([model.intercept_[0], *model.coef_[0]], abs=1e-5)
    p = model.predict_proba(x)[:, 1]
    assert loglik == pytest.approx(np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)), abs=1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_fit_ridge_logistic_by_group_matches_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_groups, rows, ridge = 7, 300, 0.5
    groups = rng.integers(0, n_groups - 1, rows)  # the last group has no rows: the ridge alone decides it
    x = rng.normal(size=rows)
    y = (rng.random(rows) < 1 / (1 + np.exp(-(0.3 * groups - 1 + 0.8 * x)))).astype(float)
    y[groups == 0] = 1.0  # a group whose outcomes are all good: separated, finite under the ridge
    design = np.zeros((rows, n_groups + 1))  # every column penalised, the intercepts' too
    design[np.arange(rows), groups] = 1.0
    design[:, -1] = x
    theta = fit_ridge_logistic_by_group(groups, x, y, n_groups, ridge)
    # scikit-learn minimises ||w||^2 / 2 + C * loss: the same objective as loss + ridge ||w||^2 / 2 with C = 1 / ridge.
    model = LogisticRegression(C=1 / ridge, fit_intercept=False, tol=1e-12, max_iter=10_000).fit(design, y)
    assert theta == pytest.approx(model.coef_[0], abs=1e-5)
    assert theta[n_groups - 1] == 0.0 and np.all(np.isfinite(theta))


def test_ridge_keeps_separated_data_finite() -> None:
    x = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0])
    y = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])  # the slope separates the outcomes perfectly
    groups = np.zeros(6, dtype=np.intp)
    theta = fit_ridge_logistic_by_group(groups, x, y, 1, 0.1)
    design = np.column_stack([np.ones(6), x])
    assert np.all(np.isfinite(theta)) and theta[1] > 0
    assert negative_loglik(theta, design, y) < negative_loglik(np.zeros(2), design, y)
