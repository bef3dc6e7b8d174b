"""The adversarial loop end to end with scripted roles: it finds the rule the labels need, records every role's
output, skips malformed ones, never lets rules that judge every row alike replace the rules, chooses by balanced
accuracy rather than plain accuracy, and resumes after a kill."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest
import yaml

from feedback.principles import LoopSettings, OptimizeSettings, optimize_principles
from feedback.principles.balanced import balanced_accuracy
from feedback.principles.prompts import OPTIMIZER_SYSTEM
from feedback.principles.slices import optimization_slices
from harness.judges.principle import PRINCIPLE_JUDGE_SYSTEM
from harness.principles import load_principles
from tests.feedback.principles.scripted import (
    SHORT_RULE,
    Answer,
    Killed,
    ScriptedRoles,
    always_bad,
    always_good,
    by_rules,
    inverted,
    write_wide_eval_set,
)
from tests.harness.probes.scripted import greeting_in, write_eval_set


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_eval_set(tmp_path_factory.mktemp("data"))


def settings(**loop: int) -> OptimizeSettings:
    knobs = {"iterations": 2, "adversarial": 2} | loop
    return OptimizeSettings(
        optimizer="adversarial", principles="detector-v1", model="mockllm/model", rows=8, test_rows=0,
        loop=LoopSettings(**knobs),
    )  # fmt: skip


@pytest.fixture(scope="module")
def wide_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Data whose train slice has good rows too, so a Detector that says bad to everything still makes mistakes
    there for the Reflector to turn into rules."""
    return write_wide_eval_set(tmp_path_factory.mktemp("wide"))


def run(run_dir: Path, data_dir: Path, scripted: ScriptedRoles, **loop: int):
    return anyio.run(optimize_principles, settings(**loop), run_dir, data_dir, scripted.roles())


def calls(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "calls.jsonl").read_text(encoding="utf-8").splitlines()]


def iterations(run_dir: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((run_dir / "iterations").glob("*.json"))]


def judging(answer: Answer) -> ScriptedRoles:
    return ScriptedRoles({PRINCIPLE_JUDGE_SYSTEM: answer})


def test_the_loop_finds_the_rule_and_writes_a_loadable_file(data_dir: Path, tmp_path: Path) -> None:
    result = run(tmp_path / "run", data_dir, ScriptedRoles())
    loaded = load_principles(result.principles.path)
    assert SHORT_RULE in [rule.text for rule in loaded.rules]
    assert loaded.sha256 == result.principles.sha256
    lineage = yaml.safe_load(result.principles.path.read_text(encoding="utf-8"))["lineage"]
    assert lineage["parent_sha256"] == load_principles("detector-v1").sha256
    assert lineage["iteration"] == 1 and lineage["optimizer"] == "adversarial"
    states = iterations(tmp_path / "run")
    assert [s["iteration"] for s in states] == [0, 1, 2]
    assert states[1]["accepted"] and states[1]["rejection"] is None
    assert states[1]["val"]["balanced_accuracy"] > states[0]["val"]["balanced_accuracy"]
    assert states[1]["val"]["score"] > states[0]["val"]["score"]
    assert not states[2]["accepted"]  # nothing new to merge: the rule is already there
    assert states[2]["rejection"] == "no candidate: the merges left the rules as they were"
    # under the start rules every flawed greeting got through (each flaw a suggestion); once the short rule was in,
    # the Detector caught them and its hints rewrote the Generator's strategies
    assert {case["verdict"] for case in states[1]["cases"]} == {"good"}
    assert {case["verdict"] for case in states[2]["cases"]} == {"bad"}
    assert states[2]["strategies"][:2] == ["把缺陷藏在热情的语气里"] * 2
    # every role's raw output is on disk
    assert {c["role"] for c in calls(tmp_path / "run")} == {"generator", "detector", "reflector", "optimizer"}
    report = result.report
    assert report["after"]["accuracy"]["value"] > report["before"]["accuracy"]["value"]
    assert report["after_minus_before"]["accuracy"]["value"] > 0
    assert report["after_minus_before"]["balanced_accuracy"]["value"] > 0
    assert report["before"]["balanced_accuracy"]["value"] == 0.5  # the start rules say good to everything
    assert "| adversarial | balanced_accuracy |" in result.markdown
    assert "length_rule" in report and result.judge_calls == states[-1]["judge_calls"]


def test_malformed_role_outputs_are_recorded_and_never_merged(data_dir: Path, tmp_path: Path) -> None:
    too_many = json.dumps({"rules": [f"规则{i}" for i in range(11)]}, ensure_ascii=False)
    scripted = ScriptedRoles({OPTIMIZER_SYSTEM: lambda s, p: too_many if "太短" in p else "我觉得可以"})
    result = run(tmp_path / "run", data_dir, scripted, iterations=1)
    merges = [c for c in calls(tmp_path / "run") if c["role"] == "optimizer"]
    assert merges and all(c["read"] is None and c["error"] for c in merges)
    assert any("at most 10" in c["error"] for c in merges)
    assert result.principles.rules == load_principles("detector-v1").rules
    state = json.loads((tmp_path / "run" / "iterations" / "001.json").read_text())
    assert state["malformed_outputs"] == len(merges) and state["candidate"] is None


def test_a_detector_that_always_says_good_learns_nothing_from_the_attacks(data_dir: Path, tmp_path: Path) -> None:
    result = run(tmp_path / "run", data_dir, judging(always_good), iterations=1)
    state = json.loads((tmp_path / "run" / "iterations" / "001.json").read_text())
    # every flawed greeting is missed, so each flaw became a suggestion and no strategy was rewritten
    assert all(case["verdict"] == "good" for case in state["cases"])
    assert len([s for s in state["suggestions"] if s.startswith("评审把")]) == 2
    assert not state["accepted"] and result.principles.rules == load_principles("detector-v1").rules
    # the Optimizer did propose rules; under them every validation row is still judged good
    assert state["candidate"] is not None and state["candidate"]["val"]["judged_bad"] == 0
    assert state["rejection"].startswith("one class only: every scored validation row judged good")


def test_a_detector_that_always_says_bad_never_replaces_the_rules(wide_dir: Path, tmp_path: Path) -> None:
    result = run(tmp_path / "run", wide_dir, judging(always_bad))
    states = iterations(tmp_path / "run")
    assert len(states) == 3 and not any(s["accepted"] for s in states[1:])
    for state in states[1:]:
        # its mistakes on the train slice's good rows went to the Reflector, and the Optimizer merged a new rule
        assert state["train_errors"] > 0 and state["candidate"] is not None
        assert SHORT_RULE in [rule["text"] for rule in state["candidate"]["rules"]]
        assert state["candidate"]["val"]["judged_good"] == 0
        assert state["rejection"].startswith("one class only: every scored validation row judged bad")
        assert state["rules_sha256"] == states[0]["rules_sha256"]
    assert result.principles.rules == load_principles("detector-v1").rules


@pytest.mark.parametrize(("constant", "word"), [(always_bad, "bad"), (always_good, "good")])
def test_rules_of_one_class_are_refused_even_when_they_score_higher(
    wide_dir: Path, tmp_path: Path, constant: Answer, word: str
) -> None:
    """Under the start rules the Detector is wrong on every row (balanced accuracy 0); under the merged rules it
    says one word to everything, which scores 0.5 and plain accuracy 0.5: higher on both, and still refused."""
    result = run(tmp_path / "run", wide_dir, judging(by_rules(inverted, constant)), iterations=1)
    start, state = iterations(tmp_path / "run")
    assert start["val"]["balanced_accuracy"] == 0.0
    candidate = state["candidate"]["val"]
    assert candidate["balanced_accuracy"] == 0.5 and candidate["score"] > start["val"]["score"]
    assert not state["accepted"] and word in state["rejection"] and state["rejection"].startswith("one class only")
    assert result.principles.rules == load_principles("detector-v1").rules


def test_balanced_accuracy_decides_on_an_imbalanced_slice(data_dir: Path, tmp_path: Path) -> None:
    """The probe data's validation slice has one good row in four. The start rules say good to everything; the
    merged ones say bad to everything but one bad greeting: right more often, but never on the good row."""
    val = optimization_slices(data_dir, 8, 0).val
    labels = [row.label for row in val]
    assert sum(labels) == 1 and len(labels) == 4
    decoy = next(row.response for row in val if row.label == 0)

    def decoyed(system: str, prompt: str) -> str:
        return "good" if greeting_in(system, prompt) == decoy else "bad"

    before = [1] * len(val)
    after = [int(row.response == decoy) for row in val]
    hits = [sum(v == label for v, label in zip(bits, labels, strict=True)) for bits in (before, after)]
    assert hits[1] > hits[0]  # plain accuracy would take the merged rules
    assert (balanced_accuracy(after, labels) or 0) < (balanced_accuracy(before, labels) or 0)
    result = run(tmp_path / "run", data_dir, judging(by_rules(always_good, decoyed)), iterations=1)
    start, state = iterations(tmp_path / "run")
    assert state["candidate"]["val"]["score"] > start["val"]["score"]
    assert state["candidate"]["val"]["judged_good"] == 1  # two classes: the guard lets it through to the score
    assert not state["accepted"]
    assert state["rejection"] == "balanced accuracy 0.333 is not above the current rules' 0.500"
    assert result.principles.rules == load_principles("detector-v1").rules


def test_a_killed_run_resumes_without_redoing_or_losing_anything(data_dir: Path, tmp_path: Path) -> None:
    whole = ScriptedRoles()
    expected = run(tmp_path / "whole", data_dir, whole)
    killed = ScriptedRoles(kill_after=len(whole.calls) // 2)
    with pytest.raises(Killed):
        run(tmp_path / "resumed", data_dir, killed)
    finished = calls(tmp_path / "resumed")
    assert 0 < len(finished) < len(calls(tmp_path / "whole"))
    rest = ScriptedRoles()
    resumed = run(tmp_path / "resumed", data_dir, rest)
    assert len(rest.calls) == len(whole.calls) - len(finished)  # no finished call made again
    assert calls(tmp_path / "resumed")[: len(finished)] == finished  # nothing finished lost
    assert resumed.principles.sha256 != expected.principles.sha256  # the lineage names its own run folder
    assert resumed.principles.rules == expected.principles.rules
    assert resumed.report["after"] == expected.report["after"]


def test_a_run_folder_refuses_other_settings(data_dir: Path, tmp_path: Path) -> None:
    from harness.errors import UserInputError

    run(tmp_path / "run", data_dir, ScriptedRoles(), iterations=0)
    with pytest.raises(UserInputError, match="iterations"):
        run(tmp_path / "run", data_dir, ScriptedRoles(), iterations=1)


def test_roles_that_say_nothing_usable_leave_the_start_rules_and_no_figure(data_dir: Path, tmp_path: Path) -> None:
    """No JSON from any role and no verdict from the Detector: every output is recorded as malformed, every
    judgement is unscored, and the report shows no figure rather than a guess."""
    scripted = ScriptedRoles(dict.fromkeys(ScriptedRoles().answers, lambda s, p: "我不知道。"))
    result = run(tmp_path / "run", data_dir, scripted, iterations=1)
    assert result.principles.rules == load_principles("detector-v1").rules
    assert all(c["error"] for c in calls(tmp_path / "run") if c["role"] != "detector")
    report = result.report
    assert report["unscored"] == {"before": report["rows"], "after": report["rows"]}
    assert report["after"]["accuracy"]["value"] is None
    assert "| adversarial | accuracy | – | – |" in result.markdown


def test_a_torn_last_record_is_redone_and_a_damaged_one_is_an_error(tmp_path: Path) -> None:
    from feedback.principles import RunStore
    from harness.errors import UserInputError

    (tmp_path / "calls.jsonl").write_text('{"key": "a", "role": "x"}\n{"key": "b", "ro', encoding="utf-8")
    store = RunStore(tmp_path, {})
    assert set(store.calls) == {"a"} and store.dropped_lines == 1
    (tmp_path / "calls.jsonl").write_text('{"key": "a", "ro\n{"key": "b", "role": "x"}\n', encoding="utf-8")
    with pytest.raises(UserInputError, match="calls.jsonl:1"):
        RunStore(tmp_path, {})
