"""Confidence intervals in closed form: the Wilson score interval of a proportion.

Pure Python (no numpy, no scipy): reading a leaderboard's logs recomputes every excellence rate's interval, and
that path imports neither.
"""

from __future__ import annotations

import math
from statistics import NormalDist

CONFIDENCE = 0.95
"""Two-sided confidence level of every interval."""


def wilson_interval(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for a proportion (what ``scipy.stats.binomtest(...).proportion_ci(method="wilson")``
    gives, to rounding).

    Chosen over the bootstrap for a single proportion: it is exact to compute, stays inside [0, 1] and does not
    collapse to a zero-width interval when every sample is good (or bad), which a percentile bootstrap does on
    small runs.

    Edge cases: no trials gives (nan, nan); 0 successes gives a lower end of exactly 0 and ``trials`` successes an
    upper end of exactly 1 (as scipy gives them); otherwise the ends are clipped to [0, 1] against rounding.

    Args:
        successes: Number of good verdicts (0 to ``trials``).
        trials: Number of scored samples.
        confidence: Two-sided confidence level.

    Returns:
        (low, high).
    """
    if trials == 0:
        return math.nan, math.nan
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high
