"""verl's entry point, called directly (verl itself is not a dependency): the same cores, weighted, by name."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import pytest
from grpo_helpers import ALWAYS_UNREADABLE

from harness.judges.reward_model import RewardModel
from trainers.config import ConfigError
from trainers.rewards import format_value, length_value
from trainers.verl_reward import REWARDS_ENV, compute_score, compute_score_async

GREETING = "祝妈妈生日快乐，身体健康，万事如意！"


@pytest.fixture
def rewards_file(tmp_path: Path, tiny_reward_model_dir: Path) -> Path:
    path = tmp_path / "verl.yaml"
    path.write_text(
        "rewards:\n"
        f"  - {{kind: rm, checkpoint: {tiny_reward_model_dir}, device: cpu, weight: 2.0}}\n"
        "  - {kind: judge, model: slowjudge/scripted, weight: 1.0}\n"
        f"  - {{kind: judge, name: garbled, model: slowjudge/{ALWAYS_UNREADABLE}}}\n"
        "  - {kind: length, mode: ramp, target_chars: 39, weight: 0.5}\n"
        "  - {kind: format, weight: 0.25}\n",
        encoding="utf-8",
    )
    return path


def test_compute_score_sums_the_same_cores(
    rewards_file: Path, tiny_reward_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(REWARDS_ENV, str(rewards_file))
    result = compute_score("greetings", GREETING, "妈妈生日", {"index": 3})
    rm = RewardModel.load(tiny_reward_model_dir, device="cpu").rewards([("妈妈生日", GREETING)])[0]
    assert result["rm"] == pytest.approx(rm) and result["judge"] == 1.0 and math.isnan(result["garbled"])
    assert result["length"] == pytest.approx(length_value(GREETING, "ramp", 39))
    assert result["format"] == format_value(GREETING) == 1.0
    expected = 2.0 * rm + 1.0 + 0.5 * result["length"] + 0.25
    assert result["score"] == pytest.approx(expected) and result["unscored"] == 1


def test_query_sources_and_the_async_form(rewards_file: Path, tiny_reward_model_dir: Path) -> None:
    info = {"greetbench_rewards": str(rewards_file), "query": "同事升职"}
    result = asyncio.run(compute_score_async("greetings", "恭喜", None, info))
    rm = RewardModel.load(tiny_reward_model_dir, device="cpu").rewards([("同事升职", "恭喜")])[0]
    assert result["rm"] == pytest.approx(rm) and result["judge"] == 0.0


def test_no_config_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REWARDS_ENV, raising=False)
    with pytest.raises(ConfigError, match=REWARDS_ENV):
        compute_score("greetings", GREETING, "妈妈生日")


def test_the_request_comes_from_the_paper_row_and_verl_keywords_are_accepted(
    tmp_path: Path, mini_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.data import DataFiles, load_grpo_requests
    from trainers.verl_reward import MissingRequestError, paper_requests, request_of

    config = tmp_path / "verl.yaml"
    config.write_text("rewards:\n  - {kind: python, function: 'grpo_helpers:query_length'}\n", encoding="utf-8")
    monkeypatch.setenv(REWARDS_ENV, str(config))
    monkeypatch.setenv("GREETBENCH_DATA_DIR", str(mini_data_dir))
    paper_requests.cache_clear()
    queries = [r.query for r in load_grpo_requests(DataFiles(mini_data_dir).grpo_test)]
    paper_row = {"index": 2, "split": "test", "num_turns": None, "rollout_reward_scores": {}}
    assert request_of("", paper_row) == queries[2]
    extra = {"reward_router_address": "127.0.0.1:9", "reward_model_tokenizer": object()}
    assert compute_score("custom_json", GREETING, "", paper_row, **extra)["score"] == len(queries[2])
    assert request_of("", {"query": "生日", "index": 2, "split": "test"}) == "生日"  # the written request wins
    with pytest.raises(MissingRequestError, match="no request to score against"):
        compute_score("custom_json", GREETING, "", {"num_turns": 1})
    with pytest.raises(MissingRequestError, match="no such file for extra_info split 'dev'"):
        request_of("", {"index": 0, "split": "dev"})
    monkeypatch.delenv("GREETBENCH_DATA_DIR")
    paper_requests.cache_clear()
    monkeypatch.setattr("harness.data.resolve_data_dir", lambda data_dir=None: None)
    with pytest.raises(MissingRequestError, match="no data folder is set"):
        request_of("", paper_row)


def test_the_batch_form_scores_each_row_in_order(rewards_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from trainers.verl_reward import compute_score_batch

    monkeypatch.setenv(REWARDS_ENV, str(rewards_file))
    one = [compute_score("g", text, query) for text, query in ((GREETING, "妈妈生日"), ("恭喜", "同事升职"))]
    batch = compute_score_batch(["g", "g"], [GREETING, "恭喜"], ["妈妈生日", "同事升职"], [None, None])
    for a, b in zip(one, batch, strict=True):
        assert a.keys() == b.keys() and a["score"] == pytest.approx(b["score"]) and a["unscored"] == b["unscored"]
