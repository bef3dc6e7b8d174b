"""``greetbench optimize-principles`` from the command line: bad input is one line and exit 2; a run prints its
report and the path of a principles file that ``--principles`` loads."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from greetbench.cli import cli
from tests.harness.probes.scripted import write_eval_set


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_eval_set(tmp_path_factory.mktemp("data"))


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--role", "critic=mockllm/model"], "--role critic: no such role"),
        (["--role", "generator"], "--role expects ROLE=MODEL"),
        (["--principles", "missing.yaml"], "missing.yaml"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(data_dir: Path, tmp_path: Path, args: list[str], named: str) -> None:
    base = ["optimize-principles", "--model", "mockllm/model", "--data-dir", str(data_dir), "--run", str(tmp_path)]
    result = CliRunner().invoke(cli, [*base, *args])
    assert result.exit_code == 2, result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith("Error:") and named in line
