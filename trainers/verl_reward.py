"""A reward entry point for verl (the paper's RL engine): ``compute_score`` over the same RM, judge, length and
format cores as greetbench's GRPO rewards.

verl calls a custom reward once per response as ``compute_score(data_source, solution_str, ground_truth,
extra_info)``, and adds keywords of its own (``reward_router_address`` and ``reward_model_tokenizer`` when a reward
router is set); its batch manager calls ``compute_score(data_sources, solution_strs, ground_truths, extra_infos)``
once per batch. Install greetbench in verl's environment (``pip install -e <greetbench checkout>``: this file
imports the package), point verl at this file and name the rewards with an environment variable::

    custom_reward_function:
      path: <greetbench checkout>/trainers/verl_reward.py
      name: compute_score          # or compute_score_async (verl's reward loop awaits it),
                                   # or compute_score_batch with reward_model.reward_manager=batch
    # and in the environment of every reward worker:
    #   GREETBENCH_VERL_REWARDS=grpo-embedded-0.5b-rm   (a preset or a YAML file with a `rewards:` list)

The rewards are read from the ``rewards:`` list of that config (same keys and checks as ``greetbench train grpo``)
and built once per process. The request a response is scored against is, in order: ``extra_info["query"]``
(what ``greetbench data verl-parquet`` writes), a non-empty ``ground_truth``, the request of the paper's own
``grpo_data/<split>.parquet`` row ``extra_info["index"]`` (the paper's files carry only index and split; the data
folder is ``$GREETBENCH_DATA_DIR`` or the fetched copy), or ``extra_info["prompt"]``. When none gives one the call
raises: a response is never judged against an empty request. verl's other keywords are accepted and not used.

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
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from trainers.rewards import is_async_reward, parse_reward_specs, prompt_query
from trainers.rewards.build import build_rewards
from trainers.rewards.loop import run_on_background_loop

REWARDS_ENV = "GREETBENCH_VERL_REWARDS"
"""The environment variable naming the config (preset or YAML file) whose ``rewards:`` list verl uses."""

_CACHE: dict[str, list[tuple[str, float, Callable[..., Any]]]] = {}
_LOCK = threading.Lock()


class MissingRequestError(ValueError):
    """No request could be found for a response verl asked to score."""


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
            from harness.data import resolve_data_dir
            from trainers.rewards.length_control import prepare_length_control

            try:
                prepare_length_control(funcs, resolve_data_dir(), print)
            except ValueError as err:
                raise ConfigError(f"{path}: {err}") from None
            _CACHE[config] = [(s.name, w, f) for s, w, f in zip(specs, weights, funcs, strict=True)]
        return _CACHE[config]


@cache
def paper_requests(split: str, data_dir: str | None = None) -> dict[int, str]:
    """The bare requests of the paper's ``grpo_data/<split>.parquet`` by row index (read once per process).

    Raises:
        MissingRequestError: No data folder, or no such split file.
    """
    from harness.data import DataFiles, load_grpo_requests, resolve_data_dir

    root = resolve_data_dir(data_dir)
    if root is None:
        raise MissingRequestError(
            f"extra_info names row {split!r} of the paper's GRPO data, but no data folder is set: set "
            "GREETBENCH_DATA_DIR, run `greetbench data fetch`, or write the parquet with `greetbench data verl-parquet`"
        )
    path = Path(DataFiles(root).grpo_train).with_name(f"{split}.parquet")
    if not path.is_file():
        raise MissingRequestError(f"{path}: no such file for extra_info split {split!r}")
    return {request.index: request.query for request in load_grpo_requests(path)}


def request_of(ground_truth: Any, extra_info: dict[str, Any] | None) -> str:
    """The bare request a response is scored against (see the module docstring for the order).

    Raises:
        MissingRequestError: None of the sources gives a non-empty request; the message says what was there.
    """
    info = extra_info or {}
    if isinstance(info.get("query"), str) and info["query"].strip():
        return info["query"]
    if isinstance(ground_truth, str) and ground_truth.strip():
        return ground_truth
    index, split = info.get("index"), info.get("split")
    if isinstance(index, int) and isinstance(split, str):
        requests = paper_requests(split)
        if index not in requests:
            raise MissingRequestError(f"extra_info index {index} is not a row of the paper's {split} split")
        return requests[index]
    query = prompt_query(info.get("prompt", ""))
    if query.strip():
        return query
    raise MissingRequestError(
        "no request to score against: extra_info has no 'query', 'index' and 'split', or 'prompt', and ground_truth "
        f"is {ground_truth!r} (extra_info keys: {sorted(info)})"
    )


def _config(extra_infos: Sequence[dict[str, Any] | None]) -> str:
    named = {(info or {}).get("greetbench_rewards") for info in extra_infos} - {None}
    config = named.pop() if len(named) == 1 else os.environ.get(REWARDS_ENV)
    if len(named) > 1 or not config:
        from trainers.config import ConfigError

        why = "rows name different 'greetbench_rewards'" if len(named) > 1 else "no rewards config named"
        raise ConfigError(f"{why}: set {REWARDS_ENV} to a preset or YAML file with a 'rewards:' list")
    return str(config)


async def compute_score_batch_async(
    data_sources: Sequence[Any],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[dict[str, Any] | None] | None = None,
    **verl_kwargs: Any,
) -> list[dict[str, Any]]:
    """Score a batch: each term is called once on all responses (an RM in batches), the terms concurrently.

    Every request is found before any term runs, so a batch with a row that has none fails whole, at once.
    """
    infos = list(extra_infos) if extra_infos is not None else [None] * len(solution_strs)
    terms = rewards_for(_config(infos))
    queries = [request_of(truth, info) for truth, info in zip(ground_truths, infos, strict=True)]
    kwargs = {"prompts": [[{"role": "user", "content": q}] for q in queries], "completions": list(solution_strs)}
    kwargs["query"] = queries

    async def one(function: Callable[..., Any]) -> list[float | None]:
        values = await function(**kwargs) if is_async_reward(function) else await asyncio.to_thread(function, **kwargs)
        return [v if v is not None and math.isfinite(v) else None for v in values]

    per_term = await asyncio.gather(*(one(function) for _, _, function in terms))
    results = []
    for i in range(len(queries)):
        values = [column[i] for column in per_term]
        result: dict[str, Any] = {
            name: (math.nan if v is None else v) for (name, _, _), v in zip(terms, values, strict=True)
        }
        scored = [(weight, v) for (_, weight, _), v in zip(terms, values, strict=True) if v is not None]
        result["score"] = float(sum(weight * v for weight, v in scored))
        result["unscored"] = len(terms) - len(scored)
        results.append(result)
    return results


def compute_score_batch(
    data_sources: Sequence[Any],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[dict[str, Any] | None] | None = None,
    **verl_kwargs: Any,
) -> list[dict[str, Any]]:
    """verl's batch form (``reward_model.reward_manager=batch``): one result per response, in order."""
    return run_on_background_loop(
        compute_score_batch_async(data_sources, solution_strs, ground_truths, extra_infos, **verl_kwargs)
    )


async def compute_score_async(
    data_source: Any,
    solution_str: str,
    ground_truth: Any,
    extra_info: dict[str, Any] | None = None,
    **verl_kwargs: Any,
) -> dict[str, Any]:
    """The async form of :func:`compute_score` (verl's reward loop awaits a coroutine function)."""
    [result] = await compute_score_batch_async([data_source], [solution_str], [ground_truth], [extra_info])
    return result


def compute_score(
    data_source: Any,
    solution_str: str,
    ground_truth: Any,
    extra_info: dict[str, Any] | None = None,
    **verl_kwargs: Any,
) -> dict[str, Any]:
    """verl's custom reward: the weighted sum of greetbench's reward terms for one response (see the module doc).

    Runs on the process's background loop (:func:`trainers.rewards.loop.run_on_background_loop`), so a judge's
    model client lives on one loop across calls; callable from synchronous code or from inside another loop.

    Args:
        data_source: verl's data source tag (not used: every greeting is scored the same way).
        solution_str: The policy's response (the greeting).
        ground_truth: The bare request, when the dataset stores it there.
        extra_info: verl's per-row extras; ``query``, ``index`` and ``split``, ``prompt`` and
            ``greetbench_rewards`` (a config that overrides :data:`REWARDS_ENV`) are read.
        **verl_kwargs: What else verl passes (``reward_router_address``, ``reward_model_tokenizer``): not used.

    Returns:
        ``{"score": float, "<term>": value or NaN, ..., "unscored": int}``.

    Raises:
        trainers.config.ConfigError: No config named, or the rewards cannot be built.
        MissingRequestError: No request for the response.
    """
    return run_on_background_loop(compute_score_async(data_source, solution_str, ground_truth, extra_info))
