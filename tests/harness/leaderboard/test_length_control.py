"""Length-controlled rates: a length-biased judge's rates read at one common length; columns on the board, a
rank key, and the JSON entry."""

from __future__ import annotations

import math
import random

import polars as pl
import pytest
from leaderboard_logs import MadeLogs

from harness.leaderboard import BuildInputs, build_leaderboard
from harness.leaderboard.render import to_json, validate_leaderboard
from harness.stats import length_controlled_rates


def _biased_judge(rng: random.Random, chars: int, skill: float) -> bool:
    """Good with a probability that grows with length (0.08 a character around 40) plus the model's skill."""
    return rng.random() < 1 / (1 + math.exp(-(0.08 * (chars - 40) + skill)))


def test_control_undoes_a_length_advantage() -> None:
    rng = random.Random(0)
    long_writer = [(n, _biased_judge(rng, n, 0.0)) for n in (rng.randint(40, 100) for _ in range(60))]
    better_writer = [(n, _biased_judge(rng, n, 1.5)) for n in (rng.randint(15, 50) for _ in range(60))]
    raw = {k: sum(g for _, g in v) / len(v) for k, v in {"long": long_writer, "better": better_writer}.items()}
    assert raw["long"] > raw["better"]  # the raw rate rewards length
    rates = length_controlled_rates({"long": long_writer, "better": better_writer, "none": []})
    assert set(rates) == {"long", "better"}
    assert rates["better"].rate > rates["long"].rate  # at one common length the better writer wins
    for rate in rates.values():
        assert 0 <= rate.ci_low <= rate.rate <= rate.ci_high <= 1
    assert length_controlled_rates({"long": long_writer, "better": better_writer}) == length_controlled_rates(
        {"long": long_writer, "better": better_writer}
    )  # seeded


def test_all_good_runs_stay_finite() -> None:
    rates = length_controlled_rates({"a": [(30, True)] * 10, "b": [(30, False)] * 10}, resamples=20)
    assert 0.5 < rates["a"].rate < 1 and 0 < rates["b"].rate < 0.5


@pytest.fixture(scope="module")
def board(made_logs: MadeLogs):
    return build_leaderboard(BuildInputs(logs=[made_logs.root / "main"], use_registry=False), rank_by="length_judge_lc")


def test_board_has_length_controlled_columns_and_ranks_by_them(board) -> None:
    main = board.main
    assert main is not None and main.ranked_by == "length_judge_lc"
    rows = board.table.filter(pl.col("group") == "main").to_dicts()
    for row in rows:
        if row["kind"] == "null":
            assert row["length_judge_lc"] is None  # a null model has no greeting length to control
        else:
            assert 0 <= row["length_judge_lc_ci_low"] <= row["length_judge_lc"] <= row["length_judge_lc_ci_high"] <= 1
    ranked = [r for r in rows if r["rank"] is not None]
    assert ranked == sorted(ranked, key=lambda r: -r["length_judge_lc"])
    data = to_json(board)
    validate_leaderboard(data)
    entry = next(r for r in data["groups"][0]["rows"] if r["kind"] != "null")["judges"]["length_judge"]
    assert set(entry["length_controlled"]) == {"rate", "ci_low", "ci_high"} and "lc" not in entry["other"]
