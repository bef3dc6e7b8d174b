"""``length_controlled`` rewards: the dev-fit regression on log length is subtracted, fitted once and cached; an RM
with a length head is left as it is."""

from __future__ import annotations

import asyncio
import math
import shutil
from pathlib import Path

import pytest
from grpo_helpers import scripted_judge

from harness.data import DataFiles, load_eval_set, split_eval_set
from harness.judges.reward_model import fit_and_save_threshold
from trainers.rewards import JudgeReward, JudgeRewardSpec, RmReward, RmRewardSpec
from trainers.rewards.length_control import fit_on_dev, minus_length, prepare_length_control

PROMPT = [{"role": "user", "content": "请只生成一条祝福语：妈妈生日"}]


def test_the_fit_recovers_a_length_reward_and_is_cached(mini_data_dir: Path, tmp_path: Path) -> None:
    calls = []

    def score(pairs):
        calls.append(len(pairs))
        return [2.0 + 3.0 * math.log1p(len(text.strip())) for _, text in pairs]

    fit = fit_on_dev(score, mini_data_dir, {"kind": "test"}, cache_dir=tmp_path)
    assert fit.slope == pytest.approx(3.0) and fit.intercept == pytest.approx(2.0)
    assert fit.correlation == pytest.approx(1.0) and fit.rows == calls[0]
    assert minus_length([5.0, None], ["祝你快乐", "x"], fit) == [pytest.approx(5.0 - fit.part("祝你快乐")), None]
    again = fit_on_dev(
        lambda pairs: pytest.fail("the cached fit was not used"), mini_data_dir, {"kind": "test"}, cache_dir=tmp_path
    )
    assert again == fit
    with pytest.raises(ValueError, match="needs scored dev rows of two lengths; 0 of"):
        fit_on_dev(lambda pairs: [None] * len(pairs), mini_data_dir, {"kind": "none"}, cache_dir=tmp_path)


def test_an_rm_reward_loses_its_length_part(
    tiny_reward_model_dir: Path, mini_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GREETBENCH_CACHE_DIR", str(tmp_path / "cache"))
    plain = RmReward(RmRewardSpec(checkpoint=str(tiny_reward_model_dir), device="cpu"))
    controlled = RmReward(RmRewardSpec(checkpoint=str(tiny_reward_model_dir), device="cpu", length_controlled=True))
    printed: list[str] = []
    prepare_length_control([plain, controlled], mini_data_dir, printed.append)
    assert plain.length_fit is None and controlled.length_fit is not None
    assert printed[0].startswith("length control of rm: reward = raw - (") and "dev split" in printed[0]
    greetings = ["祝妈妈生日快乐，身体健康", "快乐"]
    raw, less = plain([PROMPT] * 2, greetings), controlled([PROMPT] * 2, greetings)
    for r, c, text in zip(raw, less, greetings, strict=True):
        assert c == pytest.approx(r - controlled.length_fit.part(text))

    # a checkpoint with a length head already gives the length-free part: nothing more is fitted
    headed = tmp_path / "headed"
    shutil.copytree(tiny_reward_model_dir, headed)
    fit_and_save_threshold(headed, split_eval_set(load_eval_set(DataFiles(mini_data_dir).eval_set)), length_head=True)
    with_head = RmReward(RmRewardSpec(checkpoint=str(headed), device="cpu", length_controlled=True))
    prepare_length_control([with_head], None, printed.append)
    assert with_head.length_fit is None and "length head already removes length" in printed[-1]

    with pytest.raises(ValueError, match="length_controlled needs the paper's dev split"):
        prepare_length_control([RmReward(controlled.spec)], None, printed.append)


def test_a_judge_reward_is_fitted_on_its_own_verdicts(
    mini_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GREETBENCH_CACHE_DIR", str(tmp_path / "cache"))
    spec = JudgeRewardSpec(model="mockllm/judge", model_args={"custom_outputs": scripted_judge}, length_controlled=True)
    reward = JudgeReward(spec)
    prepare_length_control([reward], mini_data_dir, lambda message: None)
    fit = reward.length_fit
    assert fit is not None and fit.rows > 1
    values = asyncio.run(reward([PROMPT] * 2, ["祝妈妈生日快乐", "生日快乐"]))
    assert values == [pytest.approx(1.0 - fit.part("祝妈妈生日快乐")), pytest.approx(0.0 - fit.part("生日快乐"))]
