"""The rm reward scores through the RM judge's core: same tokens, same numbers, optional standardisation."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from harness.judges.reward_model import RewardModel
from trainers.rewards import PREPARED_CHECKPOINT, RmReward, RmRewardSpec, resolve_rm_checkpoint, standardized

PROMPTS = [[{"role": "user", "content": "请只生成一条祝福语：妈妈生日"}]] * 3
GREETINGS = ["祝妈妈生日快乐！", "生日快乐", "祝您福如东海，寿比南山，天天开心！"]


def test_rewards_are_the_judge_cores_rewards(tiny_reward_model_dir: Path) -> None:
    logged: dict[str, float] = {}
    reward = RmReward(RmRewardSpec(checkpoint=str(tiny_reward_model_dir), device="cpu"), name="rm")
    values = reward(PROMPTS, [[{"role": "assistant", "content": g}] for g in GREETINGS], log_metric=logged.__setitem__)
    expected = RewardModel.load(tiny_reward_model_dir, device="cpu").rewards([("妈妈生日", g) for g in GREETINGS])
    assert values == pytest.approx(expected)
    assert logged["rm/rm/raw_mean"] == pytest.approx(sum(expected) / 3)
    assert (logged["rm/rm/truncated"], logged["rm/rm/non_finite"]) == (0, 0)

    scaled = RmReward(RmRewardSpec(checkpoint=str(tiny_reward_model_dir), device="cpu", standardize=True))
    values = scaled(PROMPTS, GREETINGS, query=["妈妈生日"] * 3)
    assert sum(values) == pytest.approx(0, abs=1e-6)
    assert math.sqrt(sum(v * v for v in values) / 3) == pytest.approx(1, abs=1e-3)


def test_standardized_keeps_missing_values_missing() -> None:
    assert standardized([1.0, None, 3.0, math.nan]) == [pytest.approx(-1), None, pytest.approx(1), None]
    assert standardized([2.0, 2.0]) == [0.0, 0.0] and standardized([None]) == [None]


def test_missing_checkpoints_fail_before_loading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="no reward-model checkpoint at .*nothing"):
        resolve_rm_checkpoint(str(tmp_path / "nothing"))
    monkeypatch.setattr("trainers.prepared_rm.prepared_rm_checkpoint", lambda: None)
    with pytest.raises(ValueError, match="greetbench train prepare-rm"):
        resolve_rm_checkpoint(PREPARED_CHECKPOINT)
