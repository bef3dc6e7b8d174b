"""Length control: what a judge's verdicts say once length is accounted for, by logistic regression.

Two questions, one model family (:mod:`harness.stats.logistic`), length always as ``log(1 + chars)``:

- :func:`length_controlled` (the judge report): does the verdict predict the human label beyond a smooth function
  of length? A likelihood-ratio test of label ~ log length [+ controls] + verdict against the model without it.
- :func:`length_controlled_means` (the GRPO watch): the same reading for continuous scores (an RM's reward, a
  judge's P(good)) by least squares: one mean per set of greetings, at one common length.
- :func:`length_controlled_rates` (the leaderboard): each model's excellence rate read at one common length.
  A policy trained on a length-biased reward climbs a raw excellence rate by writing longer, and the paper's labels
  are ~90% predictable from length alone. After AlpacaEval's length control (which raised its Spearman with
  Chatbot Arena from 0.94 to 0.98), one logistic model of the judge's verdict on every scored greeting of a group::

      logit P(good) = a_model + b * (log(1 + chars) - log(1 + median chars of the group))

  with a shared length slope ``b`` and one intercept per run, so ``sigmoid(a_model)`` is the run's rate at the
  group's median length: what the judge would say of that model if it wrote as long as the board's typical
  greeting. A weak L2 prior (:data:`RIDGE`) keeps a run whose greetings are all good (or all bad) finite. The 95%
  interval is a percentile bootstrap (:data:`RATE_RESAMPLES`, seeded) that resamples greetings within each run and
  refits. Epochs count as separate greetings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from harness.stats.arrays import binary_array, float_array
from harness.stats.intervals import CONFIDENCE
from harness.stats.logistic import fit_logistic, fit_ridge_logistic_by_group, logistic_hessian

RIDGE = 0.1
"""L2 penalty on the intercepts and the slope (a weak prior at rate 0.5 and no length effect): it keeps a run
whose greetings are all good, or a judge that length separates perfectly, finite."""

RATE_RESAMPLES = 200
"""Bootstrap refits behind each interval."""

RATE_SEED = 0
"""Seed of that bootstrap."""

SEPARATION_BOUND = 15.0
"""A fitted verdict coefficient beyond this (an odds ratio above ~3.3 million) is taken as (quasi-)separation."""


@dataclass(frozen=True)
class LengthControl:
    """Logistic regression of the label on log length, with and without the verdict.

    Full model: ``logit P(good) = a + b_len * log(1 + chars) + b_verdict * verdict``; reduced model: without the
    verdict. The likelihood-ratio test (1 degree of freedom) asks whether the verdict carries information about the
    label beyond a smooth function of length: "what the judge adds over length".

    Attributes:
        n: Rows used (scored rows).
        verdict_coef: The verdict's coefficient in log-odds (None when not estimable, see ``note``).
        verdict_ci_low: Lower end of its 95% Wald interval (None when not estimable).
        verdict_ci_high: Upper end.
        verdict_se: Its Wald standard error (from the inverse observed information).
        odds_ratio: ``exp(verdict_coef)``.
        length_coef_full: Coefficient of log(1 + chars) in the full model.
        length_coef_reduced: Coefficient of log(1 + chars) in the reduced model.
        loglik_full: Maximised log-likelihood of the full model.
        loglik_reduced: Maximised log-likelihood of the reduced model.
        lr_statistic: ``2 (loglik_full - loglik_reduced)``, >= 0.
        p_value: Chi-square (1 df) upper tail of the statistic.
        note: Why something is missing, or None.
    """

    n: int
    verdict_coef: float | None
    verdict_ci_low: float | None
    verdict_ci_high: float | None
    verdict_se: float | None
    odds_ratio: float | None
    length_coef_full: float | None
    length_coef_reduced: float | None
    loglik_full: float | None
    loglik_reduced: float | None
    lr_statistic: float | None
    p_value: float | None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return asdict(self)


def length_controlled(
    lengths: ArrayLike,
    verdicts: Sequence[float | int | None] | ArrayLike,
    labels: ArrayLike,
    controls: Sequence[Sequence[float | int | None] | ArrayLike] = (),
    confidence: float = CONFIDENCE,
) -> LengthControl:
    """Fit label ~ log(1 + length) [+ controls] + verdict and label ~ log(1 + length) [+ controls]; compare.

    ``log(1 + chars)`` rather than ``log(chars)`` so that an empty response (0 chars) stays finite. The length
    column is standardised for the fit; reported length coefficients are per unit of log(1 + chars). The reduced
    model is smooth in log length, so a sharp length cut (the length rule) can itself "add" information over it;
    pass the length rule's verdicts as a control to ask what the judge adds over length *and* the rule.

    Edge cases (``note`` says which):
        - Rows with a verdict (or a control) of None/NaN are dropped.
        - Fewer than 3 rows, or labels all one class: nothing is estimable (all None).
        - A verdict that is constant, or a linear combination of the intercept, length and controls (e.g. equal to
          a control): it can add nothing; coefficient None, LR statistic 0, p-value 1.
        - All lengths equal, or a constant control: that column is dropped.
        - (Quasi-)separation (some verdict class has labels of one class only given length, e.g. precision 1.0):
          the verdict coefficient is infinite; it is reported as None with no interval, while the LR statistic
          and p-value use the (finite) supremum of the likelihood, approximated by the optimiser.

    Args:
        lengths: Length of each row in characters.
        verdicts: The judge's verdicts, 0/1/None.
        labels: The labels, 0/1.
        controls: Further per-row covariates in both models (e.g. the length rule's verdicts).
        confidence: Level of the Wald interval.

    Returns:
        The comparison.
    """
    length_array = np.asarray(lengths, dtype=np.float64)
    raw = float_array(verdicts)
    y_all = np.asarray(labels, dtype=np.float64)
    extra = [float_array(column) for column in controls]
    if not (length_array.shape == raw.shape == y_all.shape) or any(c.shape != raw.shape for c in extra):
        raise ValueError("lengths, verdicts, labels and controls must have one entry per row")
    keep = ~np.isnan(raw)
    for column in extra:
        keep &= ~np.isnan(column)
    v, y = binary_array(raw[keep], "verdicts"), binary_array(y_all[keep], "labels")
    log_length = np.log1p(length_array[keep])
    n = int(len(y))
    if n < 3:
        return _no_control(n, "fewer than 3 scored rows")
    if y.min() == y.max():
        return _no_control(n, "labels are all one class: nothing to predict")
    notes = []
    spread = float(log_length.std())
    columns = [np.ones(n)]
    if spread > 0:
        columns.append((log_length - log_length.mean()) / spread)
    else:
        notes.append("all lengths equal: length column dropped")
    for i, column in enumerate(extra):
        values = column[keep]
        if values.std() > 0:
            columns.append((values - values.mean()) / values.std())
        else:
            notes.append(f"control {i + 1} is constant: dropped")
    reduced_x = np.column_stack(columns)
    reduced_beta, reduced_ll = fit_logistic(reduced_x, y)
    length_reduced = float(reduced_beta[1] / spread) if spread > 0 else None
    full_x = np.column_stack([*columns, v])
    if v.min() == v.max() or np.linalg.matrix_rank(full_x) < full_x.shape[1]:
        notes.append(
            "the verdict is constant: it cannot add anything over length"
            if v.min() == v.max()
            else "the verdict is collinear with length and the controls: it cannot add anything"
        )
        return LengthControl(
            n=n,
            verdict_coef=None,
            verdict_ci_low=None,
            verdict_ci_high=None,
            verdict_se=None,
            odds_ratio=None,
            length_coef_full=length_reduced,
            length_coef_reduced=length_reduced,
            loglik_full=reduced_ll,
            loglik_reduced=reduced_ll,
            lr_statistic=0.0,
            p_value=1.0,
            note="; ".join(notes),
        )
    full_beta, full_ll = fit_logistic(full_x, y)
    lr = max(0.0, 2 * (full_ll - reduced_ll))
    p_value = float(stats.chi2.sf(lr, df=1))
    coef = float(full_beta[-1])
    length_full = float(full_beta[1] / spread) if spread > 0 else None
    covariance = _inverse(logistic_hessian(full_beta, full_x, y))
    se = math.sqrt(covariance[-1, -1]) if covariance is not None and covariance[-1, -1] > 0 else None
    separated = abs(coef) > SEPARATION_BOUND or se is None
    if separated:
        notes.append("(quasi-)separation: the verdict coefficient is infinite; LR test uses the likelihood supremum")
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    return LengthControl(
        n=n,
        verdict_coef=None if separated else coef,
        verdict_ci_low=None if separated else coef - z * se,  # type: ignore[operator]
        verdict_ci_high=None if separated else coef + z * se,  # type: ignore[operator]
        verdict_se=None if separated else se,
        odds_ratio=None if separated else math.exp(coef),
        length_coef_full=length_full,
        length_coef_reduced=length_reduced,
        loglik_full=full_ll,
        loglik_reduced=reduced_ll,
        lr_statistic=lr,
        p_value=p_value,
        note="; ".join(notes) or None,
    )


def _no_control(n: int, note: str) -> LengthControl:
    """A comparison where nothing was estimable: every figure None, ``note`` says why."""
    return LengthControl(n, None, None, None, None, None, None, None, None, None, None, None, note)


def _inverse(matrix: NDArray[np.float64]) -> NDArray[np.float64] | None:
    """The inverse of ``matrix``, or None when it is singular or its inverse is not finite."""
    try:
        inverse = np.linalg.inv(matrix)
    except np.linalg.LinAlgError:
        return None
    return inverse if np.all(np.isfinite(inverse)) else None


@dataclass(frozen=True)
class LengthControlled:
    """One run's length-controlled rate.

    Attributes:
        rate: P(good) at the group's median length.
        ci_low: 2.5th bootstrap percentile.
        ci_high: 97.5th bootstrap percentile.
    """

    rate: float
    ci_low: float
    ci_high: float


def _fit_rates(groups: np.ndarray, x: np.ndarray, y: np.ndarray, runs: int) -> np.ndarray:
    """Penalised maximum likelihood of (a_0 .. a_{runs-1}, b): one intercept per run plus the slope."""
    return fit_ridge_logistic_by_group(groups, x, y, runs, RIDGE)


def length_controlled_rates(
    points: Mapping[str, Sequence[tuple[int, bool]]],
    resamples: int = RATE_RESAMPLES,
    seed: int = RATE_SEED,
) -> dict[str, LengthControlled]:
    """Length-controlled rates of the runs of one group under one judge.

    Edge cases: no run with a scored greeting gives ``{}``; a run whose greetings are all good (or all bad) gets a
    finite rate near 1 (or 0) thanks to the ridge prior; ``resamples=0`` gives an interval equal to the rate.

    Args:
        points: Run key -> its scored greetings as (length in characters, judged good).
        resamples: Bootstrap refits for the interval (0: the interval is the point estimate).
        seed: Seed of the bootstrap.

    Returns:
        Run key -> rate and interval; runs without any scored greeting are left out.
    """
    keys = [key for key, rows in points.items() if rows]
    if not keys:
        return {}
    lengths = np.array([math.log1p(chars) for key in keys for chars, _ in points[key]])
    x = lengths - float(np.median(lengths))
    y = np.array([float(good) for key in keys for _, good in points[key]])
    groups = np.array([i for i, key in enumerate(keys) for _ in points[key]])
    theta = _fit_rates(groups, x, y, len(keys))
    rates = 1.0 / (1.0 + np.exp(-theta[:-1]))
    rng = np.random.default_rng(seed)
    members = [np.flatnonzero(groups == i) for i in range(len(keys))]
    draws = np.empty((resamples, len(keys)))
    for r in range(resamples):
        picked = np.concatenate([rng.choice(rows, size=len(rows), replace=True) for rows in members])
        refit = _fit_rates(groups[picked], x[picked], y[picked], len(keys))
        draws[r] = 1.0 / (1.0 + np.exp(-refit[:-1]))
    result = {}
    for i, key in enumerate(keys):
        low, high = np.percentile(draws[:, i], [2.5, 97.5]) if resamples else (rates[i], rates[i])
        result[key] = LengthControlled(float(rates[i]), float(low), float(high))
    return result


def length_controlled_means(groups: Sequence[Sequence[tuple[int, float]]]) -> list[float | None]:
    """Each group's mean score read at the pooled median length: ``score = a_group + b * log(1 + chars)``.

    The linear form of :func:`length_controlled_rates` (one intercept per group, a shared slope, fitted by least
    squares within groups), for scores that are not verdicts. The GRPO watch uses it to ask whether a policy's
    held-out greetings score better at equal length, not only because they grew longer.

    Edge cases: a group with no scored greeting gives None; when no group has two lengths the slope is 0 and each
    value is the group's plain mean.

    Args:
        groups: Per group, its scored greetings as (length in characters, score); scores must be finite.

    Returns:
        One value per group, in order.
    """
    xs = [np.array([math.log1p(chars) for chars, _ in group]) for group in groups]
    ys = [np.array([score for _, score in group], dtype=np.float64) for group in groups]
    kept = [(x, y) for x, y in zip(xs, ys, strict=True) if len(x)]
    if not kept:
        return [None for _ in groups]
    spread = sum(float(((x - x.mean()) ** 2).sum()) for x, _ in kept)
    covariance = sum(float(((x - x.mean()) * (y - y.mean())).sum()) for x, y in kept)
    slope = covariance / spread if spread > 0 else 0.0
    median = float(np.median(np.concatenate([x for x, _ in kept])))
    return [float(y.mean() - slope * (x.mean() - median)) if len(x) else None for x, y in zip(xs, ys, strict=True)]
