"""The reward-model judge's plain async core: a raw reward against a cut becomes a verdict (one judge, two callers:
the scorer and the GRPO reward)."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

from harness.judges.judgement import Judgement
from harness.judges.reward_model.batcher import RewardBatcher
from harness.judges.reward_model.checkpoint import RewardForwardError, RewardModelError, checkpoint_dir
from harness.judges.reward_model.identity import RewardModelIdentity, reward_model_identity
from harness.judges.reward_model.model import DEFAULT_BATCH_SIZE, RewardModel
from harness.judges.reward_model.threshold import missing_threshold_message, read_threshold


def judgement_from_reward(reward: float, threshold: float, checkpoint: str, truncated: bool = False) -> Judgement:
    """Turn a raw reward into a verdict: good iff ``reward >= threshold``.

    A non-finite reward (e.g. a half-precision overflow) is no verdict (unscored), never bad.

    Args:
        reward: The raw reward.
        threshold: The cut.
        checkpoint: The checkpoint path, for the trace.
        truncated: Whether the pair was cut to fit the model; recorded in the trace only when true.

    Returns:
        The judgement; its trace holds the reward, the threshold and the checkpoint (and ``truncated: True``).
    """
    step: dict[str, Any] = {"agent": "reward_model", "checkpoint": checkpoint, "reward": reward, "threshold": threshold}
    if truncated:
        step["truncated"] = True
    trace = (step,)
    if not math.isfinite(reward):
        return Judgement(None, f"non-finite reward {reward}", trace)
    good = reward >= threshold
    reason = f"reward {reward:.4f} {'>=' if good else '<'} threshold {threshold:.4f}"
    return Judgement("good" if good else "bad", reason, trace)


def empty_judgement(checkpoint: str) -> Judgement:
    """The verdict on an empty (or whitespace-only) greeting: bad, without a forward pass.

    There is nothing to judge, and a reward model has no rule for it: the prepared embedded RM rated 34 of 42
    empty greetings good (the greetings board's null/empty row) before this rule. Every judge says bad here.
    """
    return Judgement("bad", "empty response", ({"agent": "reward_model", "checkpoint": checkpoint, "reward": None},))


def _resolve_threshold(model: RewardModel, threshold: float | None) -> float:
    if threshold is not None:
        return threshold
    if model.threshold is None:
        raise RewardModelError(missing_threshold_message(model.path))
    return model.threshold


async def reward_judgement(
    batcher: RewardBatcher, query: str, response: str, threshold: float | None = None
) -> Judgement:
    """Judge one greeting with a reward model; concurrent calls on one batcher share forward passes.

    Takes a :class:`RewardBatcher` (``RewardBatcher(model)``) rather than the bare model so that concurrent
    samples batch together; the forward runs in a worker thread, never on the event loop.

    Args:
        batcher: The batcher over the reward model.
        query: The bare greeting request (see :func:`reward_conversation`).
        response: The greeting; an empty (or whitespace-only) one is bad without a forward pass.
        threshold: The cut; default the checkpoint's stored threshold.

    Returns:
        The judgement (unscored only for a non-finite reward); its trace says ``truncated`` when the pair was cut.

    Raises:
        RewardModelError: No ``threshold`` given and the checkpoint has none stored.
        RewardForwardError: The model failed on this pair alone.
    """
    cut = _resolve_threshold(batcher.model, threshold)
    if not response.strip():
        return empty_judgement(str(batcher.model.path))
    result = await batcher.score(query, response)
    return judgement_from_reward(result.reward, cut, str(batcher.model.path), result.truncated)


async def reward_judgements(
    model: RewardModel,
    pairs: Sequence[tuple[str, str]],
    threshold: float | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> list[Judgement]:
    """Judge many (query, response) pairs in batched forwards, in a worker thread.

    Args:
        model: The reward model.
        pairs: (bare query, response) pairs.
        threshold: The cut; default the checkpoint's stored threshold.
        batch_size: Pairs per forward pass.

    Returns:
        One judgement per pair, in order; an empty greeting is bad without a forward pass.

    Raises:
        RewardModelError: No ``threshold`` given and the checkpoint has none stored.
    """
    cut = _resolve_threshold(model, threshold)
    scored = [i for i, (_, response) in enumerate(pairs) if response.strip()]
    rewards = await anyio.to_thread.run_sync(model.rewards, [pairs[i] for i in scored], batch_size)
    judgements = [empty_judgement(str(model.path))] * len(pairs)
    for i, reward in zip(scored, rewards, strict=True):
        judgements[i] = judgement_from_reward(reward, cut, str(model.path))
    return judgements


@dataclass(frozen=True)
class StoredCutJudge:
    """A reward model judging at the cut stored with it: one callable for callers outside a scorer.

    Attributes:
        judge: ``(query, response) -> Judgement``; the model loads on the first call (once per process, see
            :meth:`RewardModel.load`); a pair whose forward fails alone gets no verdict (never a bad one).
        threshold: The stored cut.
        identity: The judge's content identity (weights and threshold file).
    """

    judge: Callable[[str, str], Awaitable[Judgement]]
    threshold: float
    identity: RewardModelIdentity

    def metadata(self) -> dict[str, Any]:
        """What a log or run folder records of the judge: the cut and the identity (no machine path)."""
        return {"threshold": self.threshold, **self.identity.metadata()}


def stored_cut_judge(checkpoint: str | Path) -> StoredCutJudge:
    """Make a reward-model judge from a checkpoint and its stored threshold (the probes' and make-preferences' rm).

    Raises:
        RewardModelError: The folder is not a checkpoint, has no weights, or has no stored threshold (the message
            says how to fit one).
    """
    path = checkpoint_dir(checkpoint)
    stored = read_threshold(path)
    if stored is None:
        raise RewardModelError(missing_threshold_message(path))
    identity = reward_model_identity(path)
    batcher: RewardBatcher | None = None

    async def shared_batcher() -> RewardBatcher:
        nonlocal batcher
        if batcher is None:
            model = await anyio.to_thread.run_sync(RewardModel.load, path)  # cached per process
            batcher = batcher or RewardBatcher(model)
        return batcher

    async def judge(query: str, response: str) -> Judgement:
        try:
            return await reward_judgement(await shared_batcher(), query, response, stored.threshold)
        except RewardForwardError as err:
            return Judgement(None, str(err), ())

    return StoredCutJudge(judge, stored.threshold, identity)
