"""One small Inspect log for the log-reader tests, made once per session: three samples (declared out of id order),
a judge that scores good, unscored and bad with P(good), reward and identity metadata, and a scorer whose value is
a dict (with a NaN field)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import get_model
from inspect_ai.scorer import Metric, SampleScore, Score, Target, mean, metric, scorer
from inspect_ai.solver import TaskState, generate
from mocks import mock_output

from harness.judge_names import RM_IDENTITY

JUDGE_VALUES = {"3": 1.0, "1": math.nan, "2": 0.0}
"""Sample id -> the judge's value (NaN: unscored)."""


@metric
def excellence_rate() -> Metric:
    def compute(scores: list[SampleScore]) -> float:
        values = [s.score.as_float() for s in scores if not math.isnan(s.score.as_float())]
        return sum(v >= 0.5 for v in values) / len(values)

    return compute


@scorer(metrics=[excellence_rate()], name="test_judge")
def test_judge():  # noqa: ANN201
    async def score(state: TaskState, target: Target) -> Score:
        sample_id = str(state.sample_id)
        value = JUDGE_VALUES[sample_id]
        metadata = {
            "p_good": 0.9 if value == 1.0 else None,
            "reward": -1.5,
            RM_IDENTITY: "abc",
            "principles_sha256": "f" * 64,
        }
        if math.isnan(value):
            return Score(
                value=value, reason="no verdict found", metadata=metadata | {"p_good_missing_reason": "no logprobs"}
            )
        return Score(value=value, answer=state.output.completion, explanation="why", metadata=metadata)

    return score


@scorer(metrics={"length": [mean()]}, name="fields")
def fields():  # noqa: ANN201
    async def score(state: TaskState, target: Target) -> Score:
        return Score(value={"length": len(state.output.completion), "cliches": math.nan})

    return score


@pytest.fixture(scope="session")
def small_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The log file (``.eval``)."""
    samples = [
        Sample(id=i, input=f"greet {i}", metadata={"query": f"q{i}", "label": i % 2, "length": 10 * i})
        for i in (3, 1, 2)
    ]
    task = Task(dataset=MemoryDataset(samples, name="small"), solver=generate(), scorer=[test_judge(), fields()])
    model = get_model("mockllm/model", custom_outputs=[mock_output(f"hello {n}") for n in range(3)])
    [log] = inspect_eval(task, model=model, display="none", log_dir=str(tmp_path_factory.mktemp("logs")))
    return Path(log.location)
