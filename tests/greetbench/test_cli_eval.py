"""``greetbench eval`` shows the prepared rm judge beside the principle judge when it is there, and only then."""

from __future__ import annotations

from pathlib import Path

import pytest

from greetbench.cli import _with_prepared_rm
from harness.errors import UserInputError


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
    with pytest.raises(UserInputError, match="prepare-rm"):
        _with_prepared_rm("principle,rm", None)


def test_max_tokens_reaches_the_generation_config(tmp_path: Path) -> None:
    from click.testing import CliRunner
    from inspect_ai.log import list_eval_logs, read_eval_log

    from greetbench.cli import cli

    args = ["eval", "--model", "null/constant", "--judges", "constant", "--prompts", "bundled", "--limit", "1"]
    result = CliRunner().invoke(cli, [*args, "--max-tokens", "7", "--log-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    [info] = list_eval_logs(str(tmp_path))
    log = read_eval_log(info, header_only=True)
    assert log.plan.config.max_tokens == 7
    assert CliRunner().invoke(cli, [*args, "--max-tokens", "0"]).exit_code == 2


BAD_YAML = "name: mine\nrules: [\n"


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--principles", "missing.yaml"], "principles 'missing.yaml': no such file"),
        (["--principles", "{bad}"], "bad.yaml:3:1: not valid YAML"),
        (["--judges", "nope"], "unknown judges ['nope']"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], named: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from greetbench.cli import cli

    monkeypatch.setattr("trainers.prepared_rm.prepared_rm_checkpoint", lambda: None)
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_YAML, encoding="utf-8")
    args = [a.replace("{bad}", str(bad)) for a in args]
    result = CliRunner().invoke(cli, ["eval", "--model", "null/constant", "--log-dir", str(tmp_path), *args])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [result.stderr.strip()] and result.stderr.startswith("Error: ")
    assert named in result.stderr
    assert not list(tmp_path.glob("*.eval"))


def test_task_argument_errors_are_one_line_prerequisite_errors(tmp_path: Path) -> None:
    """``inspect eval -T judges=nope`` prints a PrerequisiteError's message alone, without a traceback."""
    from inspect_ai._util.error import PrerequisiteError

    from harness.errors import TaskArgumentError
    from tasks.greeting_generation import greeting_generation

    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_YAML, encoding="utf-8")
    for options in ({"judges": "nope"}, {"principles": str(bad)}, {"principles": "missing.yaml"}, {"prompts": "x"}):
        with pytest.raises(TaskArgumentError) as caught:
            greeting_generation(prompts=options.pop("prompts", "bundled"), **options)
        assert isinstance(caught.value, PrerequisiteError) and isinstance(caught.value, ValueError)
        assert "\n" not in caught.value.message


def test_the_default_seed_is_set_recorded_and_shown(tmp_path: Path) -> None:
    from click.testing import CliRunner
    from inspect_ai.log import list_eval_logs, read_eval_log

    from greetbench.cli import GENERATION_SEED, cli

    args = ["eval", "--model", "null/constant", "--judges", "constant", "--prompts", "bundled", "--limit", "1"]
    result = CliRunner().invoke(cli, [*args, "--log-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    [info] = list_eval_logs(str(tmp_path))
    assert read_eval_log(info, header_only=True).plan.config.seed == GENERATION_SEED
    assert f"seed {GENERATION_SEED}" in result.stdout


def test_the_summary_shows_each_rate_once_with_its_interval(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from greetbench.cli import cli

    args = ["eval", "--model", "null/constant", "--judges", "constant", "--prompts", "bundled", "--limit", "2"]
    result = CliRunner().invoke(cli, [*args, "--log-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = [
        line.split()
        for line in result.stdout.splitlines()
        if line.startswith("constant_judge ") and "excellence" in line
    ]
    # two greetings judged good: the rate with the Wilson interval for 2 of 2, and no rows for the interval's ends
    assert rows == [["constant_judge", "excellence_rate", "1.000", "[0.342,", "1.000]", "0/2"]]
