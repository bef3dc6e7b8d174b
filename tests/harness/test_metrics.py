import math

from inspect_ai.scorer import SampleScore, Score

from harness.metrics import excellence_rate


def _scores(values: list[float]) -> list[SampleScore]:
    return [SampleScore(score=Score(value=v), sample_id=i) for i, v in enumerate(values)]


def test_excellence_rate() -> None:
    result = excellence_rate()(_scores([1, 0, 1, 1]))
    assert result["excellence_rate"] == 0.75
    assert result["excellence_rate_ci_low"] < 0.75 < result["excellence_rate_ci_high"]


def test_excellence_rate_empty() -> None:
    assert math.isnan(excellence_rate()([])["excellence_rate"])
