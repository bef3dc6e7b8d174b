"""`greetbench make-preferences` with scripted mockllm models: the summary, no pairs said plainly (exit 1), and a
run folder of other settings refused in one line (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from greetbench.cli import cli
from tests.feedback.preferences.scripted import ScriptedJudge, ScriptedPolicy


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> dict:
    scripts: dict = {"mockllm/policy": ScriptedPolicy(), "mockllm/judge": ScriptedJudge()}

    def get_model(name: str, **kwargs: object):
        return scripts[name].model(name)

    monkeypatch.setattr("feedback.preferences.models.make_model", get_model)
    return scripts


def invoke(tmp_path: Path, *extra: str):
    queries = tmp_path / "q.txt"
    queries.write_text("妈妈生日祝福语\n朋友结婚祝福\n", encoding="utf-8")
    args = ["make-preferences", "--run-dir", str(tmp_path / "run"), "--policy", "mockllm/policy"]
    args += ["--judge-model", "mockllm/judge", "--queries", str(queries), *extra]
    return CliRunner().invoke(cli, args)


def test_prints_the_figures_and_the_training_command(scripted: dict, tmp_path: Path) -> None:
    result = invoke(tmp_path)
    assert result.exit_code == 0, result.output
    assert "pairs      2 written of 2 judge pairs" in result.output
    assert "judge's choice is the longer greeting in 100.0% of its pairs" in result.output
    assert f"--pairs {tmp_path / 'run' / 'pairs.json'}" in result.output
    assert len(json.loads((tmp_path / "run" / "pairs.json").read_text(encoding="utf-8"))) == 2


def test_no_pairs_is_said_plainly(scripted: dict, tmp_path: Path) -> None:
    scripted["mockllm/judge"] = ScriptedJudge(always="good")
    result = invoke(tmp_path)
    assert result.exit_code == 1
    assert "no pairs: the judge called every scored candidate good (6 of 6); nothing to pair them with" in result.output


def test_another_runs_folder_is_refused_in_one_line(scripted: dict, tmp_path: Path) -> None:
    assert invoke(tmp_path).exit_code == 0
    result = invoke(tmp_path, "--k", "3")
    assert result.exit_code == 2
    assert result.output.startswith("Error: ") and "k: folder 4, asked 3" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_re_pairing_a_finished_run_loads_no_model(
    scripted: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert invoke(tmp_path).exit_code == 0

    def no_model(name: str, **kwargs: object):
        raise AssertionError(f"{name} was loaded")

    monkeypatch.setattr("feedback.preferences.models.make_model", no_model)
    result = invoke(tmp_path, "--threshold", "0.6", "--balance", "half")
    assert result.exit_code == 1, result.output  # the scripted judge's pairs all choose the longer greeting
    assert "no pairs: the half balance needs pairs whose chosen greeting is not longer" in result.output
