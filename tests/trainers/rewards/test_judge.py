"""The judge reward: P(good) or the verdict from the principle judge's core, None (never 0) when unscored, timed out
or failed, bounded concurrency, counts logged."""

from __future__ import annotations

import asyncio
import time

import pytest
from grpo_helpers import SLOW_MARK, UNREADABLE_MARK, scripted_judge
from inspect_ai.model import GenerateConfig, get_model

from trainers.rewards import FAILED, SCORED, TIMED_OUT, UNSCORED, JudgeReward, JudgeRewardSpec, build_rewards
from trainers.rewards.build import parse_reward_specs

PROMPT = [{"role": "user", "content": "请只生成一条祝福语：妈妈生日"}]


def _run(reward: JudgeReward, greetings: list[str]) -> tuple[list[float | None], dict[str, float]]:
    logged: dict[str, float] = {}
    values = asyncio.run(reward([PROMPT] * len(greetings), greetings, log_metric=logged.__setitem__))
    return values, logged


def test_verdicts_become_rewards_and_unreadable_ones_none() -> None:
    spec = JudgeRewardSpec(model="mockllm/judge", model_args={"custom_outputs": scripted_judge})
    [reward], weights = build_rewards(parse_reward_specs([{"kind": "judge", **spec.__dict__}], "test"))
    assert weights == [1.0] and reward.__name__ == "judge"
    values, logged = _run(reward, ["祝妈妈生日快乐", "生日快乐", f"祝{UNREADABLE_MARK}", "  "])
    assert values == [1.0, 0.0, None, 0.0]  # the empty greeting is bad without a call
    assert logged == {
        "judge/judge/unscored": 1,
        "judge/judge/timed_out": 0,
        "judge/judge/failed": 0,
        "judge/judge/p_good_share": 1 / 3,  # mockllm gives no logprobs; only the empty greeting has P(good) 0
    }
    assert reward.totals == {SCORED: 3, UNSCORED: 1}


def test_a_slow_call_times_out_to_none_without_holding_the_others() -> None:
    reward = JudgeReward(JudgeRewardSpec(model="slowjudge/x", timeout_s=0.5, retries=1, concurrency=4))
    started = time.monotonic()
    values, logged = _run(reward, ["祝你快乐", f"祝{SLOW_MARK}", "快乐"])
    assert values == [1.0, None, 0.0]
    assert logged["judge/judge/timed_out"] == 1 and logged["judge/judge/unscored"] == 0
    assert time.monotonic() - started < 15  # two attempts of 0.5 s each, not the judge's 30 s sleep
    assert reward.totals[TIMED_OUT] == 1


def test_a_failing_provider_is_retried_then_none() -> None:
    calls = []

    def flaky(messages, *rest):
        calls.append(1)
        raise RuntimeError("connection reset")

    model = get_model("mockllm/flaky", custom_outputs=flaky, memoize=False)
    reward = JudgeReward(JudgeRewardSpec(model="mockllm/flaky", retries=2), model=model)
    values, logged = _run(reward, ["祝你快乐"])
    assert values == [None] and logged["judge/judge/failed"] == 1 and reward.totals == {FAILED: 1}
    assert len(calls) >= 3  # first try plus two retries (Inspect may retry inside a call too)


def test_a_judge_server_that_cannot_answer_is_retried_then_failed_never_unscored() -> None:
    import httpx
    import openai

    calls = []

    def refused(messages, *rest):
        calls.append(1)
        raise openai.APIConnectionError(request=httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions"))

    model = get_model("mockllm/refused", custom_outputs=refused, memoize=False, config=GenerateConfig(max_retries=0))
    reward = JudgeReward(JudgeRewardSpec(model="mockllm/refused", retries=2), model=model)
    values, logged = _run(reward, ["祝你快乐"])
    assert values == [None] and logged["judge/judge/failed"] == 1 and reward.totals == {FAILED: 1}
    assert len(calls) == 3  # the judge's call failed (Inspect not retrying); the reward tried it three times


def test_concurrency_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    in_flight, peak = 0, 0

    async def probe(model, query, text, rules, **kwargs):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return SimpleNamespace(call_failed=False, value=1.0, p_good=None)

    monkeypatch.setattr("harness.judges.principle.judge_with_principles", probe)
    reward = JudgeReward(JudgeRewardSpec(model="mockllm/judge", concurrency=2))
    values, _ = _run(reward, ["祝"] * 7)
    assert values == [1.0] * 7 and peak == 2


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"kind": "judge"}, "model must name the judge model"),
        ({"kind": "judge", "model": "m", "timeout_s": 0}, "timeout_s must be positive"),
        ({"kind": "judge", "model": "m", "concurrency": "many"}, "key 'concurrency': invalid int value"),
        ({"kind": "judge", "model": "nosuchprovider/x"}, r"rewards\[0\]: reward 'judge' \(judge\)"),
    ],
)
def test_bad_judge_specs_fail_before_training(item: dict, message: str) -> None:
    from trainers.config import ConfigError

    with pytest.raises(ConfigError, match=message):
        build_rewards(parse_reward_specs([item], "run.yaml"), "run.yaml")


def test_an_unreachable_http_judge_fails_before_training() -> None:
    from types import SimpleNamespace

    from trainers.rewards.judge import check_reachable

    with pytest.raises(ValueError, match=r"judge endpoint http://127\.0\.0\.1:9/v1 is unreachable"):
        check_reachable(SimpleNamespace(api=SimpleNamespace(base_url="http://127.0.0.1:9/v1")), timeout_s=2)
    check_reachable(get_model("mockllm/judge"))  # in-process: nothing to reach
