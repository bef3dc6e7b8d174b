"""Tabulation: one row per model and configuration, comparability groups, ranks, null-model sanity."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from leaderboard_logs import MadeLogs, rewrite

from harness.leaderboard import BuildInputs, build_leaderboard
from harness.leaderboard.table import Leaderboard, find_cards


@pytest.fixture(scope="module")
def board(made_logs: MadeLogs) -> Leaderboard:
    folders = [made_logs.root / name for name in ("main", "broken", "limited", "errored")]
    return build_leaderboard(BuildInputs(logs=folders, use_registry=False))


def _rows(board: Leaderboard, group: str) -> list[dict]:
    return board.table.filter(pl.col("group") == group).to_dicts()


def test_main_table_ranks_real_models_above_null_models(board: Leaderboard) -> None:
    main = board.main
    assert main is not None and main.id == "main" and main.ranked_by == "panel"
    rows = _rows(board, "main")
    assert [(r["rank"], r["model"], r["kind"]) for r in rows] == [
        (1, "mockllm/hostile", "submission"),
        (1, "mockllm/warm", "submission"),
        (3, "mockllm/plain", "submission"),
        (4, "null/constant", "null"),
        (4, "null/echo", "null"),
        (4, "null/empty", "null"),
    ]
    plain = next(r for r in rows if r["model"] == "mockllm/plain")
    assert plain["principle_judge"] == 0.5 and plain["principle_judge_scored"] == 6
    assert plain["principle_judge_ci_low"] < 0.5 < plain["principle_judge_ci_high"]
    assert plain["panel"] == 0.5 and plain["panel_member_agreement"] == 1.0
    assert plain["mean_length"] == pytest.approx((39 * 3 + 3 * 3) / 6)
    for column in ("distinct_1", "distinct_2", "self_bleu", "cliche_rate", "mean_cliches"):
        assert column in board.table.columns


def test_main_table_is_sane(board: Leaderboard) -> None:
    assert [v for v in board.sanity if v["group"] == "main"] == []
    assert [t for t in board.ties if t["group"] == "main"] == []
    assert "main" not in board.unchecked


def test_incomparable_runs_are_listed_apart_with_the_reason(board: Leaderboard) -> None:
    reasons = {g.id: g.reason for g in board.groups}
    assert reasons == {
        "main": None,
        "g2": "not comparable with the main table: judge models: judge=mockllm/judge-len "
        "(main table: judge=mockllm/judge)",
        "g3": reasons["g3"],
    }
    assert reasons["g3"].startswith("not comparable with the main table: prompt set: greetings-bundled (3 prompts")
    assert [r["model"] for r in _rows(board, "g3")] == ["mockllm/warm"]
    assert board.unchecked == ["g3"]  # no null model there: its judges' sanity is unknown


def test_null_model_outranking_a_real_model_flags_the_judge(board: Leaderboard) -> None:
    broken = [(v["judge"], v["null_model"], v["model"]) for v in board.sanity if v["group"] == "g2"]
    assert ("principle_judge", "null/echo", "mockllm/plain") in broken
    [violation] = [v for v in board.sanity if v["group"] == "g2" and v["judge"] == "principle_judge"]
    assert violation["baseline"] is False and violation["null_rate"] == 1.0 and violation["rate"] == 0.5
    assert violation["message"] == (
        "under principle_judge, null model null/echo (1.000) outranks mockllm/plain (0.500): this judge is broken"
    )


def test_one_row_per_model_the_newest_run_counts(board: Leaderboard, made_logs: MadeLogs) -> None:
    assert len([r for r in _rows(board, "main") if r["model"] == "mockllm/warm"]) == 1
    [superseded] = board.superseded
    assert superseded["log"] == made_logs.main["warm-old"].name and superseded["group"] == "main"
    assert superseded["by"] == made_logs.main["mockllm/warm"].name


def test_refused_logs_are_listed_with_the_reason(board: Leaderboard, made_logs: MadeLogs) -> None:
    [excluded] = board.excluded
    assert excluded["log"] == made_logs.errored.name
    assert excluded["reason"] == "errored: Model role 'judge' is required and was not specified."
    statuses = {entry["log"]: entry["status"] for entry in board.logs}
    assert statuses[made_logs.errored.name] == "excluded"
    assert statuses[made_logs.main["warm-old"].name] == "superseded"
    assert statuses[made_logs.main["null/echo"].name] == "ranked"


def test_same_log_twice_counts_once(made_logs: MadeLogs) -> None:
    path = made_logs.main["null/echo"]
    board = build_leaderboard(BuildInputs(logs=[path, path.parent, path], use_registry=False))
    assert board.table.height == 6 and board.superseded[0]["log"] == made_logs.main["warm-old"].name


def test_rank_by_another_judge(made_logs: MadeLogs) -> None:
    board = build_leaderboard(BuildInputs(logs=[made_logs.main_dir], use_registry=False), rank_by="length_judge")
    assert board.main.ranked_by == "length_judge"
    ranks = {r["model"]: r["rank"] for r in board.table.to_dicts()}
    assert ranks["mockllm/warm"] == 1 and ranks["mockllm/plain"] == 3


def test_reference_and_secret_free_model_args(made_logs: MadeLogs, tmp_path: Path) -> None:
    embedded = rewrite(
        made_logs.main["null/constant"],
        tmp_path / "embedded.eval",
        model="embedded/qwen2.5-coder-0.5b-instruct",
        model_args={"api_key": "sk-abcdef", "hf_token": "hf_abcdef", "device": "cpu"},
    )
    board = build_leaderboard(BuildInputs(logs=[embedded, made_logs.main["null/echo"]], use_registry=False))
    row = board.table.filter(pl.col("model") == "embedded/qwen2.5-coder-0.5b-instruct").row(0, named=True)
    assert row["kind"] == "reference"
    assert json.loads(row["model_args"]) == {"device": "cpu"}


def test_cards_are_found_by_judge_and_judge_model(tmp_path: Path) -> None:
    cards = tmp_path / "report" / "cards"
    cards.mkdir(parents=True)
    for name in ("principle_judge.md", "principle_judge-mockllm-judge.md", "panel.md", "rival.md"):
        (cards / name).write_text("# card\n")
    judges = ["principle_judge", "rival_judge", "length_judge", "panel"]
    found = find_cards(tmp_path / "report", judges, judge_model="mockllm/judge")
    assert {j: p.name for j, p in found.items()} == {
        "principle_judge": "principle_judge-mockllm-judge.md",
        "rival_judge": "rival.md",
        "panel": "panel.md",
    }
    assert find_cards(cards, judges, judge_model="other/model")["principle_judge"].name == "principle_judge.md"
    assert find_cards(None, judges) == {}


def test_generation_settings_make_a_separate_row(made_logs: MadeLogs, tmp_path: Path) -> None:
    from leaderboard_logs import make_log

    hot = make_log("mockllm/warm", tmp_path, temperature=1.3)
    board = build_leaderboard(BuildInputs(logs=[made_logs.main["mockllm/warm"], hot], use_registry=False))
    configs = sorted(json.loads(c).get("temperature", 0) for c in board.table["generate_config"].to_list())
    assert configs == [0, 1.3] and board.superseded == []
    assert json.loads(board.table["generate_config"][0])["max_tokens"] == 256  # the task's own setting
