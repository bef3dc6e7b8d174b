"""The LLM-judge reward: the principle judge's core over an Inspect model, asked for the verdict word alone.

Each completion is judged by :func:`harness.judges.judge_with_principles` (``reason=False``: one or two tokens)
through any Inspect model: the embedded models (``embedded``), a local checkpoint (``hf/local`` with
``model_args: {model_path: ...}``), ``vllm/...``, or an OpenAI-compatible endpoint. The reward is ``async``: TRL
runs it on its background event loop beside other async rewards, and it fans a batch's completions out at most
``concurrency`` at a time, each call bounded by ``timeout_s`` and retried ``retries`` times when it raises or times
out.

The reward is the judge's P(good) where the provider gives logprobs (a dense signal), else its verdict (1 good,
0 bad). A completion whose verdict cannot be read, or whose calls all time out or fail, gets None, never 0: an
unreadable judge must not teach the policy anything. In a mix the whole completion then gets no reward
(:mod:`trainers.grpo_trainer`). Per batch the reward logs
``judge/<name>/unscored``, ``.../timed_out``, ``.../failed`` (counts) and ``.../p_good_share``.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from trainers.rewards.base import RewardSpec, log_metrics
from trainers.rewards.length_control import minus_length
from trainers.rewards.texts import batch_queries, completion_text

SCORED, UNSCORED, TIMED_OUT, FAILED = "scored", "unscored", "timed_out", "failed"
"""What became of one completion's judgement."""


@dataclass
class ModelRewardSpec(RewardSpec):
    """The fields of a reward that calls a judge model (``judge``, ``pairwise``).

    Attributes:
        model: An Inspect model name (``hf/local``, ``vllm/...``, ``openai/...``) or an embedded alias
            (``embedded``, ``embedded-1.5b``).
        model_args: Keyword arguments of ``get_model`` (``model_path``, ``device``, ``base_url``, ...).
        concurrency: Judge calls in flight at once.
        timeout_s: Seconds one judge call may take before it counts as timed out.
        retries: Further attempts after a call raises or times out.
    """

    model: str = ""
    model_args: dict | None = None
    concurrency: int = 8
    timeout_s: float = 120.0
    retries: int = 1

    def __post_init__(self) -> None:
        """Check values that no type can express."""
        if not self.model.strip():
            raise ValueError("model must name the judge model (an Inspect model name or 'embedded')")
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {self.concurrency}")
        if self.timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, got {self.timeout_s}")
        if self.retries < 0:
            raise ValueError(f"retries must be 0 or more, got {self.retries}")


@dataclass
class JudgeRewardSpec(ModelRewardSpec):
    """``{kind: judge}`` (and the fields of :class:`ModelRewardSpec`).

    Attributes:
        principles: Bundled principles name or a YAML file; default the project's default principles.
        defended: The defended judge prompt (tagged, escaped greeting); False only to measure the defenses.
        use_p_good: Reward P(good) where the provider gives logprobs; False always uses the verdict (1/0).
        length_controlled: Subtract the reward's dev-fit regression on log length
            (:mod:`trainers.rewards.length_control`; the fit costs one judge call per dev row, once).
    """

    principles: str | None = None
    defended: bool = True
    use_p_good: bool = True
    length_controlled: bool = False


async def bounded_call(
    call: Callable[[], Awaitable[Any]], semaphore: asyncio.Semaphore, timeout_s: float, retries: int = 0
) -> tuple[Any, str]:
    """Run one judge call under ``semaphore``, bounded by ``timeout_s`` and retried ``retries`` times.

    Returns:
        (the call's result, :data:`SCORED`), or (None, :data:`TIMED_OUT` or :data:`FAILED`) once every attempt
        timed out or raised; the last attempt's outcome is the one given. A result the caller finds unusable is
        the caller's to judge.
    """
    outcome = FAILED
    for _ in range(retries + 1):
        try:
            async with semaphore:
                return await asyncio.wait_for(call(), timeout=timeout_s), SCORED
        except TimeoutError:
            outcome = TIMED_OUT
        except Exception:  # a provider error: retry, then count it as failed
            outcome = FAILED
    return None, outcome


class LoopSemaphores:
    """One semaphore per event loop (TRL's background loop; a watch or verl call may bring its own)."""

    def __init__(self, size: int) -> None:
        """Semaphores of ``size`` slots."""
        self.size = size
        self._by_loop: dict[int, asyncio.Semaphore] = {}

    def current(self) -> asyncio.Semaphore:
        """The running loop's semaphore."""
        loop = id(asyncio.get_running_loop())
        if loop not in self._by_loop:
            self._by_loop[loop] = asyncio.Semaphore(self.size)
        return self._by_loop[loop]


def judge_model(spec: ModelRewardSpec) -> Any:
    """The Inspect model of a judge reward (``get_model``, memoised by Inspect); aliases (``embedded``, ``served``)
    resolved.

    Raises:
        Exception: Whatever Inspect raises for an unknown provider or a model it cannot make (e.g. a missing API
            key): the config check calls this before the policy loads.
    """
    from harness.models import make_model

    return make_model(spec.model, **(spec.model_args or {}))


REACHABLE_TIMEOUT_S = 10.0
"""How long the reachability check waits for an HTTP judge endpoint to answer at all."""


def check_reachable(model: Any, timeout_s: float = REACHABLE_TIMEOUT_S) -> None:
    """Fail early when a judge served over HTTP (its provider has an ``http(s)`` ``base_url``) does not answer.

    Any HTTP response counts as reachable (even 401 or 404: the server is there); in-process providers (``hf``,
    ``embedded``, ``vllm`` in-process, ``mockllm``) have no URL and pass. A plain HTTP request is used, not the
    provider's client, so no client is bound to a temporary event loop before training.

    Raises:
        ValueError: The endpoint refused the connection or did not answer within ``timeout_s``.
    """
    base_url = getattr(getattr(model, "api", None), "base_url", None)
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        return
    import httpx

    try:
        httpx.get(base_url.rstrip("/") + "/models", timeout=timeout_s)
    except httpx.HTTPError as err:
        raise ValueError(f"the judge endpoint {base_url} is unreachable ({type(err).__name__}: {err})") from None


class JudgeReward:
    """TRL reward callable of a :class:`JudgeRewardSpec` (``async``).

    Attributes:
        totals: Counts of :data:`SCORED`, :data:`UNSCORED`, :data:`TIMED_OUT`, :data:`FAILED` over every call.
    """

    def __init__(self, spec: JudgeRewardSpec, name: str = "judge", model: Any | None = None) -> None:
        """Judge with ``spec``; ``model`` (an Inspect ``Model``) overrides ``spec.model`` (tests, a shared model).

        Raises:
            Exception: The principles cannot be loaded, the model cannot be made, or its HTTP endpoint does not
                answer (:func:`check_reachable`).
        """
        from harness.principles import DEFAULT_PRINCIPLES, load_principles

        self.spec = spec
        self.__name__ = name
        self.rules = load_principles(spec.principles or DEFAULT_PRINCIPLES)
        self.model = model if model is not None else judge_model(spec)
        check_reachable(self.model)
        self.totals: Counter[str] = Counter()
        self._semaphores = LoopSemaphores(spec.concurrency)
        self.length_fit: Any = None  # set by trainers.rewards.length_control.prepare_length_control

    def length_identity(self) -> dict[str, Any]:
        """What the length fit is cached under: the judge model, its rules and how the reward is read."""
        return {
            "kind": "judge",
            "model": str(self.model),
            "principles": self.rules.sha256,
            "defended": self.spec.defended,
            "use_p_good": self.spec.use_p_good,
        }

    def dev_scores(self, pairs: list[tuple[str, str]]) -> list[float | None]:
        """Rewards of labelled pairs, for the length fit (on the process's background loop)."""
        from trainers.rewards.loop import run_on_background_loop

        async def all_pairs() -> list[tuple[float | None, str, bool]]:
            return await asyncio.gather(*(self.judge_one(q, t) for q, t in pairs))

        return [value for value, _, _ in run_on_background_loop(all_pairs())]

    async def judge_one(self, query: str, text: str) -> tuple[float | None, str, bool]:
        """Judge one greeting: (reward or None, outcome, whether the reward is a P(good))."""
        from harness.judges.principle import judge_with_principles

        outcome = FAILED
        for _ in range(self.spec.retries + 1):  # here, not in bounded_call: a failed judgement is retried too
            judgement, outcome = await bounded_call(
                lambda: judge_with_principles(
                    self.model, query, text, self.rules, defended=self.spec.defended, reason=False
                ),
                self._semaphores.current(),
                self.spec.timeout_s,
            )
            if judgement is None:
                continue
            if judgement.call_failed:  # the judge could not answer (its own retries spent): retry, then failed
                outcome = FAILED
                continue
            if judgement.value is None:
                return None, UNSCORED, False
            if self.spec.use_p_good and judgement.p_good is not None:
                return judgement.p_good, SCORED, True
            return judgement.value, SCORED, False
        return None, outcome, False

    async def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
        """One reward per completion (None where unscored, timed out or failed); logs the counts."""
        queries = batch_queries(prompts, kwargs.get("query"))
        results = await asyncio.gather(
            *(self.judge_one(q, completion_text(c)) for q, c in zip(queries, completions, strict=True))
        )
        outcomes = Counter(outcome for _, outcome, _ in results)
        values: list[float | None] = [value for value, _, _ in results]
        if self.length_fit is not None:
            values = minus_length(values, [completion_text(c) for c in completions], self.length_fit)
        self.totals.update(outcomes)
        scored = outcomes[SCORED]
        log_metrics(
            kwargs,
            {
                f"judge/{self.__name__}/unscored": outcomes[UNSCORED],
                f"judge/{self.__name__}/timed_out": outcomes[TIMED_OUT],
                f"judge/{self.__name__}/failed": outcomes[FAILED],
                f"judge/{self.__name__}/p_good_share": (sum(p for *_, p in results) / scored) if scored else 0.0,
            },
        )
        return values
