"""GEPA beside the loop, with a scripted reflection LM on a tiny budget: same Detector, slices and report."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from feedback.principles import GreetingJudgeAdapter, LoopSettings, OptimizeSettings, optimize_principles
from feedback.principles.detector import Detector
from feedback.principles.prompts import GEPA_COMPONENT
from feedback.principles.store import RunStore
from harness.data import LabelledGreeting
from tests.feedback.principles.scripted import SHORT_RULE, ScriptedRoles
from tests.harness.probes.scripted import write_eval_set


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_eval_set(tmp_path_factory.mktemp("data"))


def test_gepa_finds_the_rule_within_its_budget(data_dir: Path, tmp_path: Path) -> None:
    settings = OptimizeSettings(
        optimizer="gepa", principles="detector-v1", model="mockllm/model", rows=8, test_rows=0,
        loop=LoopSettings(budget=30),
    )  # fmt: skip
    scripted = ScriptedRoles()
    result = anyio.run(optimize_principles, settings, tmp_path / "run", data_dir, scripted.roles())
    assert SHORT_RULE in [rule.text for rule in result.principles.rules]
    assert "gepa" in scripted.calls  # the reflection LM proposed it
    assert result.judge_calls <= 30
    assert (tmp_path / "run" / "gepa").is_dir()  # GEPA's own state, for its resume
    assert result.report["after_minus_before"]["accuracy"]["value"] > 0


def test_a_malformed_candidate_scores_zero_without_a_judge_call(tmp_path: Path) -> None:
    from gepa.core.adapter import EvaluationBatch

    scripted = ScriptedRoles()
    store = RunStore(tmp_path / "run", {"test": True})
    adapter = GreetingJudgeAdapter(Detector(scripted.roles().detector, store), "optimized")
    rows = [LabelledGreeting("给奶奶的生日祝福", "生日快乐。", 0, 1)]
    eleven = "\n".join(f"{i}. 规则{i}" for i in range(1, 12))
    batch = adapter.evaluate(rows, {GEPA_COMPONENT: eleven}, capture_traces=True)
    assert isinstance(batch, EvaluationBatch) and batch.scores == [0.0]
    assert "at most 10" in batch.trajectories[0]["reason"] and scripted.calls == []
