import math

import pytest
from inspect_ai.scorer import SampleScore, Score

from harness.metrics import excellence_rate, wilson_interval


def _scores(values: list[float]) -> list[SampleScore]:
    return [SampleScore(score=Score(value=v), sample_id=i) for i, v in enumerate(values)]


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


def test_excellence_rate() -> None:
    result = excellence_rate()(_scores([1, 0, 1, 1]))
    assert result["excellence_rate"] == 0.75
    assert result["excellence_rate_ci_low"] < 0.75 < result["excellence_rate_ci_high"]


def test_excellence_rate_empty() -> None:
    assert math.isnan(excellence_rate()([])["excellence_rate"])
