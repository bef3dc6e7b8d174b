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
