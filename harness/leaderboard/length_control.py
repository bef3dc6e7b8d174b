"""Length-controlled excellence rates: each model's rate read at the board's median greeting length.

A policy trained on a length-biased reward climbs a raw excellence rate by writing longer, and the paper's labels
are ~90% predictable from length alone. After AlpacaEval's length control (which raised its Spearman with Chatbot
Arena from 0.94 to 0.98), the board fits, per comparability group and per judge, one logistic model of the judge's
verdict on every scored greeting:

    logit P(good) = a_model + b * (log(1 + chars) - log(1 + median chars of the group))

with a shared length slope ``b`` and one intercept per run, so ``sigmoid(a_model)`` is the run's rate at the group's
median length: what the judge would say of that model if it wrote as long as the board's typical greeting. A weak
L2 prior (:data:`RIDGE`) keeps a run whose greetings are all good (or all bad) finite. The 95% interval is a
percentile bootstrap (:data:`BOOTSTRAP_RESAMPLES`, seeded) that resamples greetings within each run and refits.
Epochs count as separate greetings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

RIDGE = 0.1
"""L2 penalty on the intercepts and the slope (a weak prior at rate 0.5 and no length effect): it keeps a run
whose greetings are all good, or a judge that length separates perfectly, finite."""

BOOTSTRAP_RESAMPLES = 200
"""Bootstrap refits behind each interval."""

BOOTSTRAP_SEED = 0


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


def _fit(groups: np.ndarray, x: np.ndarray, y: np.ndarray, runs: int, iterations: int = 50) -> np.ndarray:
    """Penalised maximum likelihood of (a_0 .. a_{runs-1}, b) by Newton's method (the problem is convex and small:
    one column per run plus the slope)."""
    design = np.zeros((len(x), runs + 1))
    design[np.arange(len(x)), groups] = 1.0
    design[:, -1] = x
    theta = np.zeros(runs + 1)
    penalty = RIDGE * np.eye(runs + 1)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(design @ theta)))
        gradient = design.T @ (p - y) + RIDGE * theta
        hessian = (design * (p * (1.0 - p))[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if float(np.max(np.abs(step))) < 1e-8:
            break
    return theta


def length_controlled_rates(
    points: Mapping[str, Sequence[tuple[int, bool]]],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> dict[str, LengthControlled]:
    """Length-controlled rates of the runs of one group under one judge.

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
    theta = _fit(groups, x, y, len(keys))
    rates = 1.0 / (1.0 + np.exp(-theta[:-1]))
    rng = np.random.default_rng(seed)
    members = [np.flatnonzero(groups == i) for i in range(len(keys))]
    draws = np.empty((resamples, len(keys)))
    for r in range(resamples):
        picked = np.concatenate([rng.choice(rows, size=len(rows), replace=True) for rows in members])
        refit = _fit(groups[picked], x[picked], y[picked], len(keys))
        draws[r] = 1.0 / (1.0 + np.exp(-refit[:-1]))
    result = {}
    for i, key in enumerate(keys):
        low, high = np.percentile(draws[:, i], [2.5, 97.5]) if resamples else (rates[i], rates[i])
        result[key] = LengthControlled(float(rates[i]), float(low), float(high))
    return result


LC_SUFFIX = "_lc"
"""A judge's length-controlled rate is the column ``<judge>_lc`` (with ``_lc_ci_low`` and ``_lc_ci_high``)."""


def greeting_points(samples: Sequence[Any], judge: str) -> list[tuple[int, bool]]:
    """(length in characters, judged good) of each greeting ``judge`` scored in a run's samples.

    The length is the creativity scorer's own count where the log has it, else the recorded output's length;
    unscored greetings (NaN) are left out.
    """
    from harness.creativity import char_length
    from harness.leaderboard.logs import CREATIVITY

    points = []
    for sample in samples:
        value = sample.scores.get(judge, (None,))[0]
        if not isinstance(value, float) or math.isnan(value):
            continue
        creativity = sample.scores.get(CREATIVITY, (None,))[0]
        chars = creativity.get("length") if isinstance(creativity, dict) else None
        points.append((int(chars) if isinstance(chars, int | float) else char_length(sample.output), value >= 0.5))
    return points


def add_length_controlled_columns(
    rows: Sequence[dict[str, Any]], samples: Mapping[int, Sequence[Any]], judges: Sequence[str], null_rows: set[int]
) -> None:
    """Add ``<judge>_lc``, ``_lc_ci_low`` and ``_lc_ci_high`` to the rows of one comparability group, in place.

    Null models are left out of the fit (they write no greeting whose length could be controlled) and get no
    length-controlled rate; the median length is that of the other runs' greetings.

    Args:
        rows: The group's rows, each with ``_index``.
        samples: Row ``_index`` -> that run's samples.
        judges: The group's judges (those reporting an excellence rate).
        null_rows: ``_index`` of the null models' rows.
    """
    for judge in judges:
        points = {
            str(row["_index"]): greeting_points(samples[row["_index"]], judge)
            for row in rows
            if row["_index"] not in null_rows and row.get(judge) is not None
        }
        rates = length_controlled_rates(points)
        for row in rows:
            rate = rates.get(str(row["_index"]))
            if rate is not None:
                row[f"{judge}{LC_SUFFIX}"] = rate.rate
                row[f"{judge}{LC_SUFFIX}_ci_low"] = rate.ci_low
                row[f"{judge}{LC_SUFFIX}_ci_high"] = rate.ci_high
