"""The pairwise reward: each completion against a peer of its own group, both orders, P(better) or verdicts; None
when unscored; bounded concurrency."""

from __future__ import annotations

import asyncio
import random
import re

import pytest
from inspect_ai.model import ModelOutput
from mocks import mock_output

from trainers.rewards import PairwiseReward, build_rewards, parse_reward_specs
from trainers.rewards.pairwise import FROM_VERDICTS, group_bounds, peer_indices

SHOWN = re.compile(r"<greeting_A>\n(.*?)\n</greeting_A>.*<greeting_B>\n(.*?)\n</greeting_B>", re.DOTALL)


def prefers_zhu(messages, tools, tool_choice, config) -> ModelOutput:
    """A scripted pairwise judge: the greeting with more 祝 wins; 乱 on either side makes the answer unreadable."""
    first, second = SHOWN.search(messages[-1].text).groups()
    if "乱" in first + second:
        return mock_output("两条都不错。")
    return mock_output('{"winner": "%s", "reason": "r"}' % ("A" if first.count("祝") >= second.count("祝") else "B"))


def _reward(**kwargs) -> PairwiseReward:
    item = {"kind": "pairwise", "model": "mockllm/pairs", "model_args": {"custom_outputs": prefers_zhu}, **kwargs}
    [reward], _ = build_rewards(parse_reward_specs([item], "test"))
    return reward


def _prompt(query: str) -> list[dict]:
    return [{"role": "user", "content": f"请只生成一条祝福语：{query}"}]


def test_each_completion_meets_a_peer_of_its_own_group() -> None:
    assert group_bounds(["a", "a", "a", "b", "b", "c"]) == [(0, 3), (3, 5), (5, 6)]
    peers = peer_indices(group_bounds(["a"] * 4 + ["b"] * 4 + ["c"]), random.Random(0))
    assert peers[8] is None  # a group of one has no peer
    for start in (0, 4):
        group = peers[start : start + 4]
        assert sorted(group) == list(range(start, start + 4))  # each is some other's peer once
        assert all(peer != start + i for i, peer in enumerate(group))


def test_the_reward_is_p_better_than_the_peer_from_verdicts() -> None:
    reward = _reward()
    logged: dict[str, float] = {}
    greetings = ["祝祝祝你快乐", "快乐", "祝你快乐", "祝你快乐", "祝乱", "好"]
    prompts = [_prompt("生日")] * 4 + [_prompt("新年")] * 2
    values = asyncio.run(reward(prompts, greetings, log_metric=logged.__setitem__))
    assert values[0] == 1.0 and values[1] == 0.0  # the most 祝 always wins; none always loses
    assert values[2] in (0.5, 1.0, 0.0)
    assert values[4] is None and values[5] is None  # the 乱 pair cannot be read in either order
    assert logged["pairwise/pairwise/unscored"] == 2
    assert logged["pairwise/pairwise/verdict_share"] == 1.0  # mockllm gives no logprobs: verdicts, and says so
    assert reward.totals[FROM_VERDICTS] == 4


def test_an_empty_greeting_loses_and_concurrency_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    in_flight, peak = 0, 0

    async def probe(model, query, a, b):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        from harness.judges.pairwise import PairwiseJudgement

        return PairwiseJudgement("A", "A", ("", ""), 0.8, 0.6)

    monkeypatch.setattr("harness.judges.pairwise.judge_pair", probe)
    reward = _reward(concurrency=2)
    values = asyncio.run(reward([_prompt("生日")] * 8, ["祝"] * 7 + [" "]))
    assert values[:7] == [pytest.approx(0.7)] * 7 and values[7] == 0.0 and peak == 2


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"kind": "pairwise"}, "model must name the judge model"),
        ({"kind": "pairwise", "model": "m", "seed": "x"}, "key 'seed': invalid int value"),
        ({"kind": "pairwise", "model": "m", "principles": "x"}, "unknown key 'principles' for PairwiseRewardSpec"),
    ],
)
def test_bad_pairwise_specs_fail_in_one_line(item: dict, message: str) -> None:
    from trainers.config import ConfigError

    with pytest.raises(ConfigError, match=message):
        parse_reward_specs([item], "run.yaml")
