"""``greetbench eval`` shows the prepared rm judge beside the principle judge when it is there, and only then."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from harness.cli import _with_prepared_rm


@pytest.fixture
def prepared(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    folder = tmp_path / "prepared"
    monkeypatch.setattr("trainers.prepared_rm.prepared_rm_checkpoint", lambda: folder)
    return folder


def test_default_run_adds_the_prepared_rm(prepared: Path) -> None:
    assert _with_prepared_rm(None, None) == ("principle,rm", str(prepared))


def test_rm_without_a_checkpoint_uses_the_prepared_one(prepared: Path) -> None:
    assert _with_prepared_rm("length,rm", None) == ("length,rm", str(prepared))


def test_named_judges_and_given_checkpoints_are_kept(prepared: Path) -> None:
    assert _with_prepared_rm("principle,length", None) == ("principle,length", None)
    assert _with_prepared_rm(None, "./my-rm") == ("principle", "./my-rm")
    assert _with_prepared_rm("rm", "./my-rm") == ("rm", "./my-rm")


def test_nothing_is_added_or_trained_when_not_prepared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("trainers.prepared_rm.prepared_rm_checkpoint", lambda: None)
    assert _with_prepared_rm(None, None) == ("principle", None)
    with pytest.raises(click.UsageError, match="prepare-rm"):
        _with_prepared_rm("principle,rm", None)


def test_max_tokens_reaches_the_generation_config(tmp_path: Path) -> None:
    from click.testing import CliRunner
    from inspect_ai.log import list_eval_logs, read_eval_log

    from harness.cli import cli

    args = ["eval", "--model", "null/constant", "--judges", "constant", "--prompts", "bundled", "--limit", "1"]
    result = CliRunner().invoke(cli, [*args, "--max-tokens", "7", "--log-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    [info] = list_eval_logs(str(tmp_path))
    log = read_eval_log(info, header_only=True)
    assert log.plan.config.max_tokens == 7
    assert CliRunner().invoke(cli, [*args, "--max-tokens", "0"]).exit_code == 2
