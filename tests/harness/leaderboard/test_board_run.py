"""``greetbench eval --board``: a run with the settings a board's registry accepts, which ``leaderboard add`` takes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from greetbench.cli import cli

FIRST = ["--model", "null/constant", "--judge", "mockllm/model", "--judges", "length,constant", "--prompts", "bundled"]
"""The run that sets the board's configuration: every bundled request, seed 7, at most 9 new tokens."""


def _greetbench(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("boards")
    logs = root.parent / "first-logs"
    made = _greetbench("eval", *FIRST, "--limit", "0", "--seed", "7", "--max-tokens", "9", "--log-dir", logs)
    assert made.exit_code == 0, made.output
    added = _greetbench("leaderboard", "add", *logs.glob("*.eval"), "--root", root)
    assert added.exit_code == 0, added.output
    return root


def test_a_board_run_has_the_boards_settings_and_is_accepted(board: Path, tmp_path: Path) -> None:
    from inspect_ai.log import read_eval_log

    result = _greetbench("eval", "--board", "--board-root", board, "--model", "null/echo", "--log-dir", tmp_path)
    assert result.exit_code == 0, result.output
    assert "prompts bundled (42), judges length,constant, judge mockllm/model, seed 7, max tokens 9" in result.stderr
    [log] = tmp_path.glob("*.eval")
    header = read_eval_log(str(log), header_only=True)
    assert (header.plan.config.seed, header.plan.config.max_tokens, header.results.total_samples) == (7, 9, 42)
    assert f"greetbench leaderboard add {log}" in result.stdout
    added = _greetbench("leaderboard", "add", log, "--root", board)
    assert added.exit_code == 0, added.output


def test_an_option_against_the_board_is_one_line(board: Path) -> None:
    result = _greetbench("eval", "--board", "--board-root", board, "--judges", "principle")
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: --board greetings runs --judges length,constant; drop --judges principle"


def test_a_board_without_a_configuration_says_so(tmp_path: Path) -> None:
    result = _greetbench("eval", "--board", "empty", "--board-root", tmp_path)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: {tmp_path / 'empty' / 'submissions.json'}: the board has no configuration yet "
        "(its first `greetbench leaderboard add` sets it)"
    )


def _run_with(**fields: object):
    from harness.leaderboard.board_run import BoardRun

    defaults = {"registry": Path("b/submissions.json"), "prompts": "bundled", "limit": 42, "judges": "rm"}
    defaults |= {"judge": None, "rm_sha256": None, "principles_sha256": None, "seed": 42, "max_tokens": 64}
    return BoardRun(**(defaults | fields))


def test_the_rm_checkpoint_must_be_the_boards(tiny_reward_model_dir: Path) -> None:
    from harness.judges.reward_model import reward_model_identity
    from harness.leaderboard.board_run import BoardError, board_rm_checkpoint

    identity = reward_model_identity(tiny_reward_model_dir).sha256
    assert board_rm_checkpoint(_run_with(rm_sha256=identity), tiny_reward_model_dir) == str(tiny_reward_model_dir)
    assert board_rm_checkpoint(_run_with(), tiny_reward_model_dir) is None  # the board has no rm judge
    with pytest.raises(BoardError, match="pass its checkpoint with --rm-checkpoint"):
        board_rm_checkpoint(_run_with(rm_sha256=identity), None)
    with pytest.raises(BoardError, match=f"is sha256:{identity[:12]}; the board's rm judge is sha256:000000000000"):
        board_rm_checkpoint(_run_with(rm_sha256="0" * 64), tiny_reward_model_dir)


def test_principles_are_found_by_the_boards_hash(tmp_path: Path) -> None:
    from harness.leaderboard.board_run import BoardError, board_principles
    from harness.principles import DEFAULT_PRINCIPLES, load_principles

    default = load_principles(DEFAULT_PRINCIPLES).sha256
    assert board_principles(_run_with(principles_sha256=default), None) == DEFAULT_PRINCIPLES
    mine = tmp_path / "mine.yaml"
    mine.write_text("name: mine\nrules:\n  - {id: a, text: 简洁}\n", encoding="utf-8")
    assert board_principles(_run_with(principles_sha256=load_principles(mine).sha256), str(mine)) == str(mine)
    with pytest.raises(BoardError, match="matches no bundled principles: pass --principles FILE"):
        board_principles(_run_with(principles_sha256=load_principles(mine).sha256), None)
    with pytest.raises(BoardError, match=f"hashes {load_principles(mine).sha256[:12]}; the board's hash"):
        board_principles(_run_with(principles_sha256=default), str(mine))
