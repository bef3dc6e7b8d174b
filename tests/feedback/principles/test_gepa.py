"""GEPA beside the loop, with a scripted reflection LM on a tiny budget: same Detector, slices and report, and the
loop's rule for the rule set the run ends with (GEPA's own best is refused when it judges every row alike)."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
import yaml

from feedback.principles import GreetingJudgeAdapter, LoopSettings, OptimizeSettings, optimize_principles
from feedback.principles.detector import Detector
from feedback.principles.gepa_run import final_choice
from feedback.principles.prompts import GEPA_COMPONENT
from feedback.principles.rulesets import candidate
from feedback.principles.store import RunStore
from harness.data import LabelledGreeting
from harness.judges.principle import PRINCIPLE_JUDGE_SYSTEM
from harness.principles import Rule, load_principles
from tests.feedback.principles.scripted import (
    SHORT_RULE,
    ScriptedRoles,
    always_bad,
    always_good,
    by_rules,
    detector,
)
from tests.harness.probes.scripted import write_eval_set


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_eval_set(tmp_path_factory.mktemp("data"))


SETTINGS = OptimizeSettings(
    optimizer="gepa", principles="detector-v1", model="mockllm/model", rows=8, test_rows=0,
    loop=LoopSettings(budget=30),
)  # fmt: skip


def lineage(result) -> dict:
    return yaml.safe_load(result.principles.path.read_text(encoding="utf-8"))["lineage"]


def test_gepa_finds_the_rule_within_its_budget(data_dir: Path, tmp_path: Path) -> None:
    scripted = ScriptedRoles()
    result = anyio.run(optimize_principles, SETTINGS, tmp_path / "run", data_dir, scripted.roles())
    assert SHORT_RULE in [rule.text for rule in result.principles.rules]
    assert "gepa" in scripted.calls  # the reflection LM proposed it
    assert result.judge_calls <= 30
    assert (tmp_path / "run" / "gepa").is_dir()  # GEPA's own state, for its resume
    assert result.report["after_minus_before"]["accuracy"]["value"] > 0
    chosen = lineage(result)
    assert chosen["chosen_candidate"] == chosen["gepa_best_candidate"] > 0
    assert chosen["val"]["balanced_accuracy"] == 1.0
    assert [c["rejection"] for c in chosen["considered"] if c["candidate"] == chosen["chosen_candidate"]] == [None]


def test_gepas_best_candidate_is_refused_when_it_judges_every_row_alike(data_dir: Path, tmp_path: Path) -> None:
    """Under the start rules the Detector says good to everything (right on one validation row in four); the rule
    GEPA proposes makes it say bad to everything (right on three): GEPA's mean per-row score picks it, and the
    final choice refuses it and keeps the start rules."""
    scripted = ScriptedRoles({PRINCIPLE_JUDGE_SYSTEM: by_rules(always_good, always_bad)})
    result = anyio.run(optimize_principles, SETTINGS, tmp_path / "run", data_dir, scripted.roles())
    assert "gepa" in scripted.calls
    chosen = lineage(result)
    assert chosen["gepa_best_candidate"] > 0 and chosen["chosen_candidate"] == 0
    [refused] = [c for c in chosen["considered"] if c["candidate"] == chosen["gepa_best_candidate"]]
    assert refused["rejection"].startswith("one class only: every scored validation row judged bad")
    assert result.principles.rules == load_principles("detector-v1").rules
    assert result.judge_calls <= 30  # the final choice replayed GEPA's judgements


def test_the_final_choice_takes_the_best_candidate_that_passes(tmp_path: Path) -> None:
    scripted = ScriptedRoles({PRINCIPLE_JUDGE_SYSTEM: detector})
    store = RunStore(tmp_path / "run", {"test": True})
    judge = Detector(scripted.roles().detector, store)
    start = load_principles("detector-v1")
    val = [
        LabelledGreeting("给奶奶的生日祝福", "亲爱的奶奶，愿您笑口常开，身体健康，每天都有我们陪在身边。", 1, 1),
        LabelledGreeting("给朋友的端午祝福", "端午安康。", 0, 2),
    ]
    fixed = candidate("optimized", [*start.rules, Rule("short", SHORT_RULE)])
    same_again = candidate("optimized", [Rule("short", SHORT_RULE), *start.rules])
    choice = anyio.run(final_choice, start, [None, fixed, same_again], judge, val)
    assert choice.index == 2 and choice.rules == fixed and choice.val.balanced_accuracy == 1.0
    assert [c["rejection"] for c in choice.considered] == [
        "not a usable rule set",
        None,
        "balanced accuracy 1.000 is not above the current rules' 1.000",
    ]
    nothing = anyio.run(final_choice, start, [], judge, val)
    assert nothing.index == 0 and nothing.rules == start and nothing.considered == ()


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
