"""A reward entry point for verl (the paper's RL engine): ``compute_score`` over the same RM, judge, length and
format cores as greetbench's GRPO rewards.

verl calls a custom reward as ``compute_score(data_source, solution_str, ground_truth, extra_info=None)`` once per
response. Install greetbench in verl's environment (``pip install -e <greetbench checkout>``: this file imports the
package), point verl at this file and name the rewards with an environment variable::

    custom_reward_function:
      path: <greetbench checkout>/trainers/verl_reward.py
      name: compute_score
    # and in the environment of every reward worker:
    #   GREETBENCH_VERL_REWARDS=grpo-embedded-0.5b-rm   (a preset or a YAML file with a `rewards:` list)

The rewards are read from the ``rewards:`` list of that config (same keys and checks as ``greetbench train grpo``)
and built once per process. The request scored against is ``extra_info["query"]`` when the dataset provides it
(the bare request), else ``ground_truth`` (greetbench's verl parquet puts the query there), else the prompt in
``extra_info["prompt"]`` with the policy prefix removed.

The result is verl's dict form: ``score`` (the weighted sum of the terms that scored) and each term by name. A
term that gives no reward (an unreadable or timed-out judgement) is left out of the sum, and ``unscored`` counts
such terms; verl needs a number, so when no term scores at all the score is 0.0 with ``unscored`` equal to the
number of terms (filter on it).
"""

from __future__ import annotations

import asyncio
import math
import os
import threading
from collections.abc import Callable
from typing import Any

from trainers.rewards import is_async_reward, parse_reward_specs, prompt_query
from trainers.rewards.build import build_rewards
from trainers.rewards.loop import run_on_background_loop

REWARDS_ENV = "GREETBENCH_VERL_REWARDS"
"""The environment variable naming the config (preset or YAML file) whose ``rewards:`` list verl uses."""

_CACHE: dict[str, list[tuple[str, float, Callable[..., Any]]]] = {}
_LOCK = threading.Lock()


def rewards_for(config: str) -> list[tuple[str, float, Callable[..., Any]]]:
    """(name, weight, reward callable) for each term of ``config``'s ``rewards:`` list, built once per process.

    Raises:
        trainers.config.ConfigError: The config cannot be read, has no usable ``rewards``, or a reward cannot be
            built (a missing RM checkpoint, a judge model that cannot be made).
    """
    from trainers.config import ConfigError, resolve_config_path
    from trainers.trl_parser import read_yaml_mapping

    with _LOCK:
        if config not in _CACHE:
            path = resolve_config_path(config)
            items = read_yaml_mapping(path).get("rewards")
            if not isinstance(items, list):
                raise ConfigError(f"{path}: key 'rewards' must be a list of rewards")
            specs = parse_reward_specs(items, str(path))
            funcs, weights = build_rewards(specs, str(path))
            _CACHE[config] = [(s.name, w, f) for s, w, f in zip(specs, weights, funcs, strict=True)]
        return _CACHE[config]


def _query(ground_truth: Any, extra_info: dict[str, Any] | None) -> str:
    info = extra_info or {}
    if isinstance(info.get("query"), str) and info["query"].strip():
        return info["query"]
    if isinstance(ground_truth, str) and ground_truth.strip():
        return ground_truth
    return prompt_query(info.get("prompt", ""))


async def compute_score_async(
    data_source: Any, solution_str: str, ground_truth: Any, extra_info: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The async form of :func:`compute_score` (for verl's async reward loop): the terms run concurrently."""
    config = (extra_info or {}).get("greetbench_rewards") or os.environ.get(REWARDS_ENV)
    if not config:
        from trainers.config import ConfigError

        raise ConfigError(f"set {REWARDS_ENV} to a preset or YAML file with a 'rewards:' list")
    terms = rewards_for(str(config))
    query = _query(ground_truth, extra_info)
    kwargs = {"prompts": [[{"role": "user", "content": query}]], "completions": [solution_str], "query": [query]}

    async def one(function: Callable[..., Any]) -> float | None:
        if is_async_reward(function):
            [value] = await function(**kwargs)
        else:
            [value] = await asyncio.to_thread(function, **kwargs)
        return value if value is not None and math.isfinite(value) else None

    values = await asyncio.gather(*(one(function) for _, _, function in terms))
    scored = [(weight, value) for (_, weight, _), value in zip(terms, values, strict=True) if value is not None]
    result: dict[str, Any] = {
        name: (math.nan if v is None else v) for (name, _, _), v in zip(terms, values, strict=True)
    }
    result["score"] = float(sum(weight * value for weight, value in scored))
    result["unscored"] = len(terms) - len(scored)
    return result


def compute_score(
    data_source: Any, solution_str: str, ground_truth: Any, extra_info: dict[str, Any] | None = None
) -> dict[str, Any]:
    """verl's custom reward: the weighted sum of greetbench's reward terms for one response (see the module doc).

    Runs on the process's background loop (:func:`trainers.rewards.loop.run_on_background_loop`), so a judge's
    model client lives on one loop across calls; callable from synchronous code or from inside another loop.

    Args:
        data_source: verl's data source tag (not used: every greeting is scored the same way).
        solution_str: The policy's response (the greeting).
        ground_truth: The bare request, when the dataset stores it there.
        extra_info: verl's per-row extras; ``query`` (the bare request) and ``greetbench_rewards`` (a config that
            overrides :data:`REWARDS_ENV`) are read.

    Returns:
        ``{"score": float, "<term>": value or NaN, ..., "unscored": int}``.

    Raises:
        trainers.config.ConfigError: No config named, or the rewards cannot be built.
    """
    return run_on_background_loop(compute_score_async(data_source, solution_str, ground_truth, extra_info))
