"""The watch's pieces: the hacking warning, and async judges called from synchronous code on one loop."""

from __future__ import annotations

import asyncio

from trainers.watch import WatchPoint, call_reward, hacking_warning


def _point(step: int, train: float | None, watch: float | None) -> WatchPoint:
    return WatchPoint(step, train, watch, 0, 0.5, 30.0, 0.1)


def test_warns_only_when_training_rises_while_the_watch_falls() -> None:
    assert hacking_warning(_point(0, 0.2, 0.6), _point(5, 0.5, 0.4), 0.02) == (
        "possible reward hacking: training reward rose +0.300 while the watch fell -0.200 between steps 0 and 5"
    )
    assert hacking_warning(_point(0, 0.2, 0.6), _point(5, 0.5, 0.7), 0.02) is None  # both rose
    assert hacking_warning(_point(0, 0.2, 0.6), _point(5, 0.21, 0.4), 0.02) is None  # training flat
    assert hacking_warning(_point(0, 0.2, 0.6), _point(5, 0.5, 0.59), 0.02) is None  # watch within noise
    assert hacking_warning(None, _point(5, 0.5, 0.4), 0.02) is None
    assert hacking_warning(_point(0, None, 0.6), _point(5, 0.5, 0.4), 0.02) is None


def test_async_rewards_share_one_loop_across_calls() -> None:
    loops = []

    async def reward(prompts, completions, **kwargs):
        loops.append(asyncio.get_running_loop())
        return [1.0 for _ in completions]

    for _ in range(2):
        assert call_reward(reward, None, prompts=["p"], completions=["c"]) == [1.0]
    assert loops[0] is loops[1] and loops[0].is_running()
    assert call_reward(lambda prompts, completions: [0.5], prompts=["p"], completions=["c"]) == [0.5]
