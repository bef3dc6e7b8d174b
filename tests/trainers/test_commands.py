"""`greetbench train grpo` options: --leaderboard with and without a folder, and config errors as usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from greetbench.cli import cli


class Stop(Exception):
    """Raised by the stand-in loader once it has seen the overrides."""


@pytest.mark.parametrize(
    ("extra", "leaderboard", "benchmark"),
    [
        ([], None, None),
        (["--leaderboard"], "leaderboards", None),
        (["--leaderboard", "boards", "--benchmark", "mine"], "boards", "mine"),
    ],
)
def test_leaderboard_option(
    monkeypatch: pytest.MonkeyPatch, extra: list[str], leaderboard: str | None, benchmark: str | None
) -> None:
    seen: dict = {}

    def load(name: str, **overrides: object) -> None:
        seen.update(overrides, name=name)
        raise Stop

    monkeypatch.setattr("trainers.grpo.load_grpo_config", load)
    result = CliRunner().invoke(cli, ["train", "grpo", "--config", "grpo-tiny-cpu", *extra])
    assert isinstance(result.exception, Stop)
    assert (seen["name"], seen["leaderboard"], seen["leaderboard_benchmark"]) == (
        "grpo-tiny-cpu",
        leaderboard,
        benchmark,
    )


def test_config_errors_are_usage_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("model_name_or_path: tiny\noutput_dir: out\nrewards: [{kind: length}]\nbeta: high\n")
    result = CliRunner().invoke(cli, ["train", "grpo", "--config", str(path)])
    assert result.exit_code == 2 and f"{path}: key 'beta': invalid float value: 'high'" in result.output
