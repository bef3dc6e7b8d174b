"""Inspect metrics shared by greetbench tasks."""

from __future__ import annotations

from inspect_ai.scorer import Metric, SampleScore, metric

from harness.interval_keys import with_interval
from harness.stats import wilson_interval


@metric
def excellence_rate() -> Metric:
    """Share of scored samples judged good, with its 95% Wilson interval.

    Unscored samples (value NaN) never reach a metric: Inspect drops them and counts them as
    ``unscored_samples`` on the score, so they are neither good nor bad here.

    Returns:
        A metric giving ``excellence_rate``, ``excellence_rate_ci_low`` and ``excellence_rate_ci_high``.
    """

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        good = sum(1 for s in scores if s.score.as_float() >= 0.5)
        low, high = wilson_interval(good, len(scores))
        rate = good / len(scores) if scores else float("nan")
        return with_interval("excellence_rate", rate, low, high)

    return compute
