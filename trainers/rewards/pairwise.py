"""The group-relative pairwise reward (``kind: pairwise``): each completion against a peer from its own group.

After Writing-Zero's bootstrapped pairwise reward (arXiv 2506.00103; TRL issue 4707): a judge that says "good" to
almost everything still has to pick one of two greetings, and GRPO only needs to know which completions of a group
beat the others. TRL lays a batch out as groups of identical prompts, one after another; within each group the
completions are paired by a seeded cyclic shift (completion i against i + k, k drawn from 1 .. n - 1), so every
completion is judged once and is some other completion's peer once. The pairwise judge
(:func:`harness.judges.pairwise.judge_pair`) compares the two in both orders, and the reward is P(this completion
is better): the mean over the two orders of P(A) at the winner token, or, when the judge gives no logprobs, its
verdicts (1 both orders, 0.5 split, 0 neither). A pair that cannot be read in both orders is None (no reward).

The summary counts how each reward was read (``p_better`` from logprobs, ``verdicts`` as the fallback), so a run
on a judge without probabilities says so.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from trainers.rewards.base import log_metrics
from trainers.rewards.judge import (
    SCORED,
    UNSCORED,
    LoopSemaphores,
    ModelRewardSpec,
    bounded_call,
    check_reachable,
    judge_model,
)
from trainers.rewards.texts import batch_queries, completion_text

FROM_LOGPROBS, FROM_VERDICTS = "p_better", "verdicts"
"""How a pairwise reward was read: P(better) from logprobs, or the verdicts when the judge gives none."""


@dataclass
class PairwiseRewardSpec(ModelRewardSpec):
    """``{kind: pairwise}`` (the fields of :class:`ModelRewardSpec`, plus the seed of the pairing).

    Attributes:
        seed: Seed of the peer shifts (mixed with the batch's position in training).
    """

    seed: int = 0


def group_bounds(queries: Sequence[str]) -> list[tuple[int, int]]:
    """(start, end) of each run of equal consecutive requests: TRL's groups of one prompt's completions."""
    bounds, start = [], 0
    for i in range(1, len(queries) + 1):
        if i == len(queries) or queries[i] != queries[start]:
            bounds.append((start, i))
            start = i
    return bounds


def peer_indices(bounds: Sequence[tuple[int, int]], rng: random.Random) -> list[int | None]:
    """Each completion's peer: a cyclic shift within its group (None in a group of one: no peer to beat)."""
    peers: list[int | None] = []
    for start, end in bounds:
        size = end - start
        shift = rng.randrange(1, size) if size > 1 else 0
        peers += [None if size == 1 else start + (i + shift) % size for i in range(size)]
    return peers


class PairwiseReward:
    """TRL reward callable of a :class:`PairwiseRewardSpec` (``async``).

    Attributes:
        totals: Counts of :data:`SCORED`, :data:`UNSCORED`, timed out / failed, and of :data:`FROM_LOGPROBS` /
            :data:`FROM_VERDICTS` over every call.
    """

    def __init__(self, spec: PairwiseRewardSpec, name: str = "pairwise", model: Any | None = None) -> None:
        """Judge with ``spec``; ``model`` (an Inspect ``Model``) overrides ``spec.model`` (tests, a shared model).

        Raises:
            Exception: The model cannot be made, or its HTTP endpoint does not answer.
        """
        self.spec = spec
        self.__name__ = name
        self.model = model if model is not None else judge_model(spec)
        check_reachable(self.model)
        self.totals: Counter[str] = Counter()
        self._semaphores = LoopSemaphores(spec.concurrency)
        self._calls = 0

    async def better_than(self, query: str, text: str, peer: str) -> tuple[float | None, str, str | None]:
        """P(``text`` beats ``peer``): (value or None, outcome, how it was read)."""
        from harness.judges.pairwise import judge_pair

        if not text.strip():
            return 0.0, SCORED, None  # an empty greeting loses without a call
        judgement, outcome = await bounded_call(
            lambda: judge_pair(self.model, query, text, peer),
            self._semaphores.current(),
            # both orders are asked in turn inside one call
            2 * self.spec.timeout_s,
            self.spec.retries,
        )
        if judgement is None:
            return None, outcome, None
        if judgement.p_a is not None:
            return judgement.p_a, SCORED, FROM_LOGPROBS
        if judgement.value is not None:
            return judgement.value, SCORED, FROM_VERDICTS
        return None, UNSCORED, None

    async def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
        """One P(better than a peer) per completion (None where unscored); logs the counts and how it was read."""
        queries = batch_queries(prompts, kwargs.get("query"))
        texts = [completion_text(c) for c in completions]
        self._calls += 1
        peers = peer_indices(group_bounds(queries), random.Random(f"{self.spec.seed}:{self._calls}"))

        async def one(i: int) -> tuple[float | None, str, str | None]:
            peer = peers[i]
            return (None, UNSCORED, None) if peer is None else await self.better_than(queries[i], texts[i], texts[peer])

        results = await asyncio.gather(*(one(i) for i in range(len(texts))))
        outcomes = Counter(outcome for _, outcome, _ in results)
        read = Counter(how for _, _, how in results if how is not None)
        self.totals.update(outcomes + read)
        log_metrics(
            kwargs,
            {
                f"pairwise/{self.__name__}/unscored": len(results) - outcomes[SCORED],
                f"pairwise/{self.__name__}/verdict_share": read[FROM_VERDICTS] / max(outcomes[SCORED], 1),
            },
        )
        return [value for value, _, _ in results]
