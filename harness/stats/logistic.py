"""Logistic regression by maximum likelihood: plain (trust-region Newton) or with a ridge penalty (Newton).

Both fit ``logit P(y = 1) = x @ beta`` on a design matrix ``x`` that carries its own intercept column(s); they share
the log-likelihood's gradient and Hessian.
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


def fit_ridge_logistic(
    x: NDArray[np.float64], y: NDArray[np.float64], ridge: float, iterations: int = 50
) -> NDArray[np.float64]:
    """Penalised maximum likelihood (an L2 penalty ``ridge / 2 * |beta|^2`` on every coefficient) by Newton's method.

    The problem is convex; with ``ridge > 0`` it is strictly convex, so the coefficients stay finite where the plain
    likelihood has no maximum (a group whose outcomes are all 1, or a column that separates the outcomes).

    Args:
        x: Design matrix (rows x columns).
        y: 0/1 outcomes.
        ridge: The penalty's weight (> 0 for a finite answer under separation).
        iterations: At most this many Newton steps; it stops earlier once no coefficient moves by 1e-8.

    Returns:
        The coefficients, one per column.
    """
    theta = np.zeros(x.shape[1])
    penalty = ridge * np.eye(x.shape[1])
    for _ in range(iterations):
        gradient = logistic_gradient(theta, x, y) + ridge * theta
        hessian = logistic_hessian(theta, x, y) + penalty
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if float(np.max(np.abs(step))) < 1e-8:
            break
    return theta
