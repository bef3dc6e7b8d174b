"""Logs as polars frames: sample scores, runs, scorer metrics."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from harness.logs.frames import (
    RUNS_SCHEMA,
    SAMPLE_SCORES_SCHEMA,
    runs_frame,
    sample_scores_frame,
    scorer_metrics_frame,
)
from harness.logs.read import read_header, read_samples


def _scores(path: Path, full: bool = False) -> pl.DataFrame:
    header = read_header(path)
    return sample_scores_frame(header.location, read_samples(path, header, full=full))


def test_one_row_per_sample_and_scorer(small_log: Path) -> None:
    frame = _scores(small_log)
    assert frame.schema == pl.Schema(SAMPLE_SCORES_SCHEMA)
    assert frame.height == 6
    judge = frame.filter(pl.col("scorer") == "test_judge")
    assert judge["sample_id"].to_list() == ["3", "1", "2"]
    assert judge["value"].to_list() == [1.0, None, 0.0]  # unscored is null, never 0
    assert judge["unscored_reason"].to_list() == [None, "no verdict found", None]
    assert judge["p_good"].to_list() == [0.9, None, None]
    assert judge["p_good_missing_reason"].to_list() == [None, "no logprobs", "no reason given"]
    assert set(judge["reward"].to_list()) == {-1.5} and set(judge["rm_identity"].to_list()) == {"abc"}
    assert judge["query"].to_list() == ["q3", "q1", "q2"] and judge["label"].to_list() == [1, 1, 0]
    assert judge["length"].to_list() == [30, 10, 20] and judge["reported"].all()


def test_dict_values_are_kept_as_json(small_log: Path) -> None:
    fields = _scores(small_log).filter(pl.col("scorer") == "fields")
    assert fields["value"].null_count() == 3 and fields["unscored_reason"].null_count() == 3
    assert json.loads(fields["value_json"][0]) == {"cliches": None, "length": 7}  # NaN is not JSON: null


def test_summaries_and_full_samples_give_one_frame(small_log: Path) -> None:
    assert _scores(small_log).drop("answer").equals(_scores(small_log, full=True).drop("answer"))


def test_runs_frame(small_log: Path) -> None:
    header = read_header(small_log)
    run = runs_frame([header], _scores(small_log)).row(0, named=True)
    assert runs_frame([header]).schema == pl.Schema(RUNS_SCHEMA)
    assert run["judges"] == ["test_judge"] and run["model"] == "mockllm/model" and run["completed_samples"] == 3
    assert run["judge_identities"] == [{"scorer": "test_judge", "identity": "abc"}]  # from the scores
    assert runs_frame([header]).row(0, named=True)["judge_identities"] == []


def test_scorer_metrics_frame(small_log: Path) -> None:
    frame = scorer_metrics_frame([read_header(small_log)])
    judge = frame.filter(pl.col("scorer") == "test_judge").row(0, named=True)
    assert judge["metric"] == "excellence_rate" and judge["value"] == 0.5 and judge["unscored"] == 1
