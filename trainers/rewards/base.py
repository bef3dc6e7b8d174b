"""What every reward shares: its spec fields (``kind``, ``weight``, ``name``) and its callable form for TRL.

A reward is a callable ``f(prompts, completions, completion_ids=None, **columns) -> list[float | None]`` (TRL's
reward signature; ``async`` for rewards that call a model) with a ``__name__`` TRL logs it under
(``rewards/<name>/mean``). None means "no reward for this completion": greetbench's trainer
(:mod:`trainers.grpo_trainer`) then gives the completion no reward from the whole mix (plain TRL would count the
term as 0 unless every term were None).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

MetricLogger = Callable[[str, float], None]
"""TRL's ``log_metric(name, value)`` keyword: a scalar averaged over each logging step."""


@dataclass
class RewardSpec:
    """Fields every reward kind has.

    Attributes:
        weight: The reward's weight in the sum TRL takes (``GRPOConfig.reward_weights``); negative makes it a
            penalty.
        name: What the reward is logged as (``rewards/<name>/mean``); default its kind, numbered when repeated.
    """

    weight: float = 1.0
    name: str | None = None


def log_metrics(kwargs: dict[str, Any], metrics: dict[str, float]) -> None:
    """Hand per-batch scalars to TRL's ``log_metric`` keyword when the caller gave one (TRL does; a direct call
    such as verl's may not)."""
    logger = kwargs.get("log_metric")
    if callable(logger):
        for name, value in metrics.items():
            logger(name, float(value))


def finite_mean(values: Sequence[float | None]) -> float:
    """Mean of the finite values; NaN when there are none."""
    kept = [v for v in values if v is not None and math.isfinite(v)]
    return sum(kept) / len(kept) if kept else math.nan


def is_async_reward(function: Callable[..., Any]) -> bool:
    """Whether calling ``function`` returns a coroutine: an ``async def`` or an instance with ``async __call__``."""
    import inspect

    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(type(function).__call__)


def renamed(function: Callable[..., Any], name: str) -> Callable[..., Any]:
    """``function`` under another ``__name__`` (what TRL logs it as), keeping it sync or ``async``."""
    if is_async_reward(function):

        async def call_async(*args: Any, **kwargs: Any) -> Any:
            return await function(*args, **kwargs)

        call_async.__name__ = name
        return call_async

    def call(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    call.__name__ = name
    return call
