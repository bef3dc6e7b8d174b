"""Submissions: `add` checks a log before it enters the registry; refusals say why; `build` re-checks hashes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from inspect_ai.log import read_eval_log, write_eval_log
from leaderboard_logs import MadeLogs, rewrite

from harness.hashing import sha256_file
from harness.leaderboard import BuildInputs, Refused, Registry, add_log, build_leaderboard


def _registry(tmp_path: Path) -> Registry:
    return Registry.load(tmp_path / "leaderboards" / "greetings", "greetings")


def _refusal(path: Path, registry: Registry) -> list[str]:
    with pytest.raises(Refused) as refused:
        add_log(path, registry)
    return refused.value.reasons


def test_first_log_sets_the_configuration_and_is_copied(made_logs: MadeLogs, tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    entry, sets_config = add_log(made_logs.main["mockllm/warm"], registry)
    assert sets_config and registry.config is not None
    assert registry.config.judge_models == {"judge": "mockllm/judge"}
    assert entry["log"] == f"logs/{made_logs.main['mockllm/warm'].name}"
    assert entry["sha256"] == sha256_file(registry.folder / entry["log"])
    assert entry["checks"][:2] == ["readable", "finished"]
    saved = json.loads((registry.folder / "submissions.json").read_text(encoding="utf-8"))
    assert saved["schema_version"] == 1 and saved["config"]["prompt_count"] == 6
    assert [s["sha256"] for s in saved["submissions"]] == [entry["sha256"]]

    _, sets_again = add_log(made_logs.main["null/echo"], Registry.load(registry.folder))
    assert not sets_again


def test_build_from_the_registry(made_logs: MadeLogs, tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    for model in ("mockllm/warm", "mockllm/plain", "null/empty"):
        add_log(made_logs.main[model], registry)
    board = build_leaderboard(BuildInputs(root=tmp_path / "leaderboards", benchmark="greetings"))
    assert board.table["model"].to_list() == ["mockllm/warm", "mockllm/plain", "null/empty"]
    assert {entry["source"] for entry in board.logs} == {"registry"}


def test_build_drops_a_registered_log_whose_bytes_changed(made_logs: MadeLogs, tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    add_log(made_logs.main["mockllm/warm"], registry)
    entry, _ = add_log(made_logs.main["null/echo"], registry)
    stored = registry.folder / entry["log"]
    log = read_eval_log(str(stored))
    log.results.scores[0].metrics["excellence_rate"].value = 1.0  # a null model "improved" by hand
    write_eval_log(log, str(stored))
    board = build_leaderboard(BuildInputs(root=tmp_path / "leaderboards", benchmark="greetings"))
    assert board.table["model"].to_list() == ["mockllm/warm"]
    [excluded] = board.excluded
    assert excluded["log"] == entry["name"] and excluded["reason"].startswith("tampered: sha256 is ")


def test_missing_registered_log(made_logs: MadeLogs, tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    entry, _ = add_log(made_logs.main["mockllm/warm"], registry)
    (registry.folder / entry["log"]).unlink()
    board = build_leaderboard(BuildInputs(root=tmp_path / "leaderboards", benchmark="greetings"))
    assert board.excluded == [{"log": entry["name"], "reason": f"registered log is missing ({entry['log']})"}]


def test_no_copy_registers_in_place(made_logs: MadeLogs, tmp_path: Path) -> None:
    source = shutil.copy(made_logs.main["null/echo"], tmp_path / "echo.eval")
    registry = _registry(tmp_path)
    entry, _ = add_log(source, registry, copy=False)
    assert Path(entry["log"]) == Path(source).resolve()
    assert not (registry.folder / "logs").exists()


def test_refuses_errored(made_logs: MadeLogs, tmp_path: Path) -> None:
    assert _refusal(made_logs.errored, _registry(tmp_path)) == [
        "errored: Model role 'judge' is required and was not specified."
    ]


def test_refuses_unfinished(made_logs: MadeLogs, tmp_path: Path) -> None:
    log = read_eval_log(str(made_logs.main["mockllm/warm"]))
    log.status = "cancelled"
    write_eval_log(log, str(tmp_path / "cancelled.eval"))
    assert _refusal(tmp_path / "cancelled.eval", _registry(tmp_path)) == ["not finished (status 'cancelled')"]


def test_refuses_another_task_version(made_logs: MadeLogs, tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    add_log(made_logs.main["mockllm/warm"], registry)  # the board's version comes from its first log
    old = rewrite(made_logs.main["mockllm/plain"], tmp_path / "old.eval", task_version=0)
    assert _refusal(old, registry) == ["configuration differs from the benchmark's: task version: 0 (expected 1)"]


def test_refuses_another_judge_configuration(made_logs: MadeLogs, tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    add_log(made_logs.main["mockllm/warm"], registry)
    assert _refusal(made_logs.broken["null/echo"], registry) == [
        "configuration differs from the benchmark's: judge models: judge=mockllm/judge-len "
        "(expected judge=mockllm/judge)"
    ]
    [reason] = _refusal(made_logs.limited, registry)
    assert reason.startswith("configuration differs from the benchmark's: prompt set: greetings-bundled (3 prompts")


def test_refuses_principles_that_are_not_the_installed_ones(made_logs: MadeLogs, tmp_path: Path) -> None:
    log = read_eval_log(str(made_logs.main["mockllm/warm"]))
    log.eval.metadata["principles_sha256"] = "f" * 64
    for sample in log.samples:
        sample.scores["principle_judge"].metadata["principles_sha256"] = "f" * 64
    write_eval_log(log, str(tmp_path / "principles.eval"))
    assert _refusal(tmp_path / "principles.eval", _registry(tmp_path)) == [
        "principles detector-v1 hash ffffffffffff, the installed detector-v1 hashes 19488ba1a553"
    ]


def test_refuses_tampered_results(made_logs: MadeLogs, tmp_path: Path) -> None:
    log = read_eval_log(str(made_logs.main["null/empty"]))
    for score in log.results.scores:
        if score.name == "panel":
            score.metrics["excellence_rate"].value = 0.75
    write_eval_log(log, str(tmp_path / "tampered.eval"))
    assert _refusal(tmp_path / "tampered.eval", _registry(tmp_path)) == [
        "inconsistent: panel excellence_rate in the header is 0.75 but the samples give 0.0"
    ]


def test_refuses_a_log_holding_a_secret(made_logs: MadeLogs, tmp_path: Path) -> None:
    leaky = rewrite(made_logs.main["mockllm/warm"], tmp_path / "leaky.eval", model_args={"api_key": "sk-live-123"})
    [reason] = _refusal(leaky, _registry(tmp_path))
    assert reason.startswith("records what looks like a secret at model_args.api_key")


def test_refuses_twice_the_same_log_and_non_logs(made_logs: MadeLogs, tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    add_log(made_logs.main["mockllm/warm"], registry)
    assert _refusal(made_logs.main["mockllm/warm"], registry) == ["already submitted (same sha256)"]
    (tmp_path / "notes.eval").write_text("hello")
    [reason] = _refusal(tmp_path / "notes.eval", registry)
    assert "not a readable Inspect log" in reason
    [reason] = _refusal(tmp_path / "absent.eval", registry)
    assert reason.endswith("no such file")
    assert len(Registry.load(registry.folder).submissions) == 1  # nothing refused got in
