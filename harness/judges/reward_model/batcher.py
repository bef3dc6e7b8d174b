"""Concurrent single-pair reward requests gathered into batched forwards, with per-pair fault isolation."""

from __future__ import annotations

from dataclasses import dataclass

import anyio

from harness.judges.reward_model.checkpoint import RewardForwardError
from harness.judges.reward_model.model import DEFAULT_BATCH_SIZE, PairReward, RewardModel

DEFAULT_WAIT_S = 0.005
"""How long the first of a group of concurrent requests waits for others to join its batch."""


@dataclass(eq=False)
class _Request:
    pair: tuple[str, str]
    done: anyio.Event
    result: PairReward | None = None
    error: Exception | None = None

    @property
    def finished(self) -> bool:
        return self.result is not None or self.error is not None


class RewardBatcher:
    """Gathers concurrent single-pair requests on one model into batched forwards.

    The first request to arrive while no batch is running waits :data:`DEFAULT_WAIT_S` for company, then takes
    every pending request as one batch and runs it in a worker thread; requests arriving meanwhile wait, and when
    the batch finishes the oldest of them leads the next batch (so under load a batch is everything that arrived
    during the previous forward). A leader that is cancelled hands the lead to the next waiter. Works under any
    anyio backend; one batcher belongs to one event loop at a time.

    Fault isolation: when a batched forward raises, every pair of that batch is retried alone, so only a pair
    that fails by itself gets an error (:class:`RewardForwardError`); its neighbours get their rewards. A batch
    that fails for a reason shared by all (out of memory on every pair) costs one forward per pair to find out.

    Attributes:
        model: The reward model.
        batch_size: Pairs per forward pass within a batch.
        wait_s: How long a leader waits before taking its batch.
        max_length: Token limit per pair; None for the model's own (:attr:`RewardModel.max_length`).
    """

    def __init__(
        self,
        model: RewardModel,
        batch_size: int = DEFAULT_BATCH_SIZE,
        wait_s: float = DEFAULT_WAIT_S,
        max_length: int | None = None,
    ):
        """Batch requests on ``model``; see the class docstring."""
        self.model = model
        self.batch_size = batch_size
        self.wait_s = wait_s
        self.max_length = max_length
        self._pending: list[_Request] = []
        self._running = False

    async def reward(self, query: str, response: str) -> float:
        """The raw reward of one pair (:meth:`score` without the truncation flag)."""
        return (await self.score(query, response)).reward

    async def score(self, query: str, response: str) -> PairReward:
        """The raw reward of one pair and its truncation flag, computed in a batch with whatever else is pending.

        Raises:
            RewardForwardError: The model failed on this pair alone (the cause is the model's error), or the
                batch was interrupted.
        """
        request = _Request((query, response), anyio.Event())
        self._pending.append(request)
        try:
            while not request.finished:
                if self._running:
                    request.done = anyio.Event()
                    await request.done.wait()
                else:
                    await self._run_batch()
        finally:
            if request in self._pending:  # cancelled before its batch was taken
                self._pending.remove(request)
            if self._pending and not self._running:
                self._pending[0].done.set()  # hand the lead on
        if request.error is not None:
            raise request.error
        assert request.result is not None
        return request.result

    async def _run_batch(self) -> None:
        self._running = True
        batch: list[_Request] = []
        try:
            await anyio.sleep(self.wait_s)
            batch, self._pending = self._pending, []
            await anyio.to_thread.run_sync(self._forward, batch)
        finally:
            self._running = False
            for request in batch:
                if not request.finished:  # the forward never reported (interrupted): fail rather than retry forever
                    request.error = RewardForwardError("the reward batch was interrupted")
                request.done.set()

    def _forward(self, batch: list[_Request]) -> None:
        """Score a batch in this (worker) thread; on failure retry each pair alone (see the class docstring)."""
        try:
            results = self.model.score_pairs([request.pair for request in batch], self.batch_size, self.max_length)
        except Exception as err:
            if len(batch) > 1:
                for request in batch:
                    self._forward([request])
                return
            error = RewardForwardError(f"the reward model failed on this pair ({type(err).__name__}: {err})")
            error.__cause__ = err
            batch[0].error = error
        else:
            for request, result in zip(batch, results, strict=True):
                request.result = result
