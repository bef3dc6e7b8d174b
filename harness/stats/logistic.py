"""Logistic regression by maximum likelihood: plain (trust-region Newton on any design matrix), or with a ridge
penalty on the design "one intercept per group plus one shared slope" (Newton on its arrowhead Hessian).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import optimize


def negative_loglik(beta: NDArray[np.float64], x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    """Minus the log-likelihood of 0/1 outcomes ``y`` under coefficients ``beta`` (overflow-safe)."""
    eta = x @ beta
    return float(np.sum(np.logaddexp(0.0, eta) - y * eta))


def logistic_gradient(beta: NDArray[np.float64], x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Gradient of :func:`negative_loglik` in ``beta``: ``x.T (p - y)``."""
    p = 1 / (1 + np.exp(-(x @ beta)))
    return x.T @ (p - y)


def logistic_hessian(beta: NDArray[np.float64], x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Hessian of :func:`negative_loglik` (the observed information): ``x.T diag(p (1 - p)) x``."""
    p = 1 / (1 + np.exp(-(x @ beta)))
    return (x * (p * (1 - p))[:, None]).T @ x


def fit_logistic(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[NDArray[np.float64], float]:
    """Maximum-likelihood logistic regression by Newton trust-region (``scipy.optimize.minimize``, trust-exact).

    Args:
        x: Design matrix including the intercept column (rows x columns).
        y: 0/1 outcomes.

    Returns:
        (coefficients, maximised log-likelihood). Under (quasi-)separation the likelihood has no maximum; the
        optimiser stops at large coefficients whose log-likelihood is within tolerance of the supremum.
    """
    start = np.zeros(x.shape[1])
    result = optimize.minimize(
        negative_loglik,
        start,
        args=(x, y),
        jac=logistic_gradient,
        hess=logistic_hessian,
        method="trust-exact",
        options={"gtol": 1e-8, "maxiter": 200},
    )
    return np.asarray(result.x, dtype=np.float64), -float(result.fun)


def fit_ridge_logistic_by_group(
    groups: NDArray[np.intp],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    n_groups: int,
    ridge: float,
    iterations: int = 50,
) -> NDArray[np.float64]:
    """Penalised maximum likelihood (``ridge / 2 * |beta|^2`` on every coefficient) of "one intercept per group
    plus one shared slope on ``x``", by Newton's method in O(rows) a step.

    The problem is convex, and with ``ridge > 0`` strictly so: the coefficients stay finite where the plain
    likelihood has no maximum (a group whose outcomes are all 1, a slope that separates the outcomes). The
    Hessian of this design is an arrowhead (diagonal in the intercepts, one dense row and column for the slope), so
    a step is a few group sums (``np.bincount``) and a Schur complement rather than a (groups + 1)-square product
    and solve. A leaderboard's length control refits it hundreds of times per judge over a hundred runs: with the
    dense Hessian that took ~20 s; this takes well under one.

    Args:
        groups: Each row's group, in ``0 .. n_groups - 1``.
        x: Each row's covariate.
        y: 0/1 outcomes.
        n_groups: Number of groups (a group without rows gets the ridge's answer, 0).
        ridge: The penalty's weight on every coefficient (> 0: finite under separation, and no empty group is
            singular).
        iterations: At most this many Newton steps; it stops earlier once no coefficient moves by 1e-8.

    Returns:
        ``(a_0, ..., a_{n_groups - 1}, b)``: the intercepts, then the slope.
    """
    intercepts = np.zeros(n_groups)
    slope = 0.0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(intercepts[groups] + slope * x)))
        residual, weight = p - y, p * (1 - p)
        grad_a = np.bincount(groups, residual, n_groups) + ridge * intercepts
        grad_b = float(residual @ x) + ridge * slope
        diag = np.bincount(groups, weight, n_groups) + ridge
        border = np.bincount(groups, weight * x, n_groups)
        corner = float(weight @ (x * x)) + ridge
        step_b = (grad_b - float(border @ (grad_a / diag))) / (corner - float(border @ (border / diag)))
        step_a = (grad_a - border * step_b) / diag
        intercepts -= step_a
        slope -= step_b
        if max(float(np.max(np.abs(step_a), initial=0.0)), abs(step_b)) < 1e-8:
            break
    return np.append(intercepts, slope)
