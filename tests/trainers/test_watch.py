"""The watch's pieces: the triggers against the base policy, the measures, and async judges called from
synchronous code on one loop."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from trainers.watch import WatchPoint, call_reward, measure_greetings, read_points
from trainers.watch_triggers import WatchTriggers, fired_triggers

BASE = WatchPoint(0, None, 0.6, 0, 0.2, 20.0, 0.1, clipped=0.0, repetition=0.02, meta_text=0.0, watch_lc=0.6)


def _fired(now: WatchPoint, *middle: WatchPoint, triggers: WatchTriggers | None = None) -> list[str]:
    return [f["trigger"] for f in fired_triggers([BASE, *middle, now], triggers or WatchTriggers())]


def test_each_trigger_fires_on_its_hack_and_not_within_its_limit() -> None:
    calm = replace(BASE, step=5, train_reward=0.3, chars=24.0)  # +20%: within the +30% limit
    assert _fired(calm) == []
    assert _fired(replace(calm, chars=27.0)) == ["length_drift"]
    assert _fired(replace(calm, clipped=0.6)) == ["clipped"]
    assert _fired(replace(calm, clipped=0.5)) == []
    assert _fired(replace(calm, repetition=0.2)) == ["repetition"]
    assert _fired(replace(calm, meta_text=0.3)) == ["meta_text"]
    assert _fired(replace(calm, chars=40.0, clipped=1.0)) == ["length_drift", "clipped"]
    off = WatchTriggers(length_drift=None, clipped=None)
    assert _fired(replace(calm, chars=40.0, clipped=1.0), triggers=off) == []


def test_a_rising_reward_needs_a_rising_length_controlled_watch() -> None:
    first = replace(BASE, step=5, train_reward=0.3)
    hack = replace(BASE, step=10, train_reward=0.6, watch=0.9, watch_lc=0.61)  # raw watch up, not at equal length
    assert _fired(hack, first) == ["reward_without_quality"]
    (fired,) = fired_triggers([BASE, first, hack], WatchTriggers())
    assert fired["train_rise"] == 0.3 and fired["watch_lc_rise"] == 0.01
    assert "length-controlled score moved +0.010" in fired["message"] and "steps 0 to 10" in fired["message"]
    assert _fired(replace(hack, watch_lc=0.7), first) == []  # better at equal length
    assert _fired(replace(hack, train_reward=0.31), first) == []  # the reward did not rise
    assert _fired(replace(hack, watch_lc=None), first) == []  # no watch judge
    assert _fired(first) == []  # one trained point: nothing to compare
    assert fired_triggers([BASE], WatchTriggers()) == []


def test_triggers_are_non_negative() -> None:
    with pytest.raises(ValueError, match=r"watch_triggers.clipped must be 0 or more"):
        WatchTriggers(clipped=-0.1)


def test_measures_of_a_set_of_greetings() -> None:
    clean, twice = "祝你生日快乐，万事如意", "祝你生日快乐祝你生日快乐"
    figures = measure_greetings([clean, twice, "好的，祝福语：新年快乐"], [False, False, True])
    assert figures["clipped"] == pytest.approx(1 / 3)
    assert figures["meta_text"] == pytest.approx(1 / 3)
    assert figures["repetition"] == pytest.approx((0 + 0.4 + 0) / 3)
    assert figures["chars"] == pytest.approx((11 + 12 + 11) / 3)
    assert measure_greetings([], [])["chars"] == 0


def test_a_resumed_watch_reads_its_points_back(tmp_path: Path) -> None:
    path = tmp_path / "watch.jsonl"
    assert read_points(path) == []
    point = replace(BASE, scored=[(20, 0.5), (22, 0.7)], triggers=[{"trigger": "clipped", "message": "m"}])
    path.write_text(json.dumps(asdict(BASE)) + "\n" + json.dumps(asdict(point)) + "\n", encoding="utf-8")
    assert read_points(path) == [BASE, point]


def test_async_rewards_share_one_loop_across_calls() -> None:
    loops = []

    async def reward(prompts, completions, **kwargs):
        loops.append(asyncio.get_running_loop())
        return [1.0 for _ in completions]

    for _ in range(2):
        assert call_reward(reward, None, prompts=["p"], completions=["c"]) == [1.0]
    assert loops[0] is loops[1] and loops[0].is_running()
    assert call_reward(lambda prompts, completions: [0.5], prompts=["p"], completions=["c"]) == [0.5]


def test_both_decoders_write_the_same_greedy_greetings(tiny_policy_dir: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from trainers.watch import generate_greetings

    model = AutoModelForCausalLM.from_pretrained(tiny_policy_dir).train()
    tokenizer = AutoTokenizer.from_pretrained(tiny_policy_dir)
    prompts = ["请只生成一条祝福语：生日", "请只生成一条祝福语：新年快乐的祝福"]
    ours = generate_greetings(model, tokenizer, prompts, 6, own_sampler=True)
    hf = generate_greetings(model, tokenizer, prompts, 6, own_sampler=False)
    assert ours == hf and model.training  # same texts and cut-off flags; the mode is restored
