"""The closing evaluation of a trained policy: greeting_generation on the saved checkpoint, its log in
``<output_dir>/logs``, and, when asked, the log registered on a leaderboard.

Every policy trainer (SFT, GRPO) ends here, so a trained policy lands in the harness the same way whichever
trainer made it. The policy runs through Inspect's ``hf`` provider (``hf/<run folder>`` with ``model_path``); the
``judge`` role is given only when an LLM judge (:data:`harness.judge_names.LLM_JUDGES`) is asked for, so a run
with baseline judges loads no judge model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

EvalPrompts = Literal["auto", "bundled", "grpo-test"]


class EvalSettings(Protocol):
    """What the closing evaluation reads from a trainer's config (``SftConfig`` and
    :class:`ClosingEvalArguments` both have these fields; see the latter for their meaning)."""

    eval_limit: int
    eval_prompts: str
    eval_judges: str
    eval_judge_model: str
    eval_rm_checkpoint: str | None
    eval_max_tokens: int | None
    eval_device: str | None
    principles: str | None


@dataclass
class ClosingEvalArguments:
    """The closing evaluation's keys in a trainer config read by TRL's parser.

    Attributes:
        eval_limit: Requests greeting_generation runs; 0 skips the evaluation.
        eval_prompts: Its prompt set: ``auto`` (GRPO test split when data is present), ``bundled``, ``grpo-test``.
        eval_judges: Its judges, comma-separated (``principle``, ``debate``, ``rm``, ``length``, ``constant``,
            ``panel``).
        eval_judge_model: The judge model for LLM judges (``embedded`` or any Inspect model name).
        eval_rm_checkpoint: Reward-model checkpoint for an ``rm`` judge (``prepared``: the prepared embedded RM).
        eval_max_tokens: Generation limit per greeting; None keeps the task's (256).
        eval_device: Device of the policy in the evaluation (``cpu``, ``cuda:0``); None picks CUDA when available.
        principles: Principles of the principle judge (bundled name or YAML path); None: the default.
    """

    eval_limit: int = 20
    eval_prompts: EvalPrompts = "auto"
    eval_judges: str = "principle"
    eval_judge_model: str = "embedded"
    eval_rm_checkpoint: str | None = None
    eval_max_tokens: int | None = None
    eval_device: str | None = None
    principles: str | None = None

    def __post_init__(self) -> None:
        """Check values that no type can express."""
        if self.eval_limit < 0:
            raise ValueError(f"eval_limit must be 0 (skip) or more, got {self.eval_limit}")


def evaluate_policy(
    settings: EvalSettings,
    policy: Path,
    data_dir: Path,
    log: Callable[[str], None],
    *,
    logs_dir: Path,
    seed: int,
) -> dict[str, Any]:
    """Run greeting_generation on a saved policy through Inspect's ``hf`` provider; the log goes to ``logs_dir``.

    Args:
        settings: The eval keys of the run's config.
        policy: The saved (merged) policy folder.
        data_dir: The paper's data folder.
        log: Progress printer.
        logs_dir: Where the Inspect log is written (``<output_dir>/logs``).
        seed: The eval's seed.

    Returns:
        ``{"log": path, "status": ..., "error": ..., "model": ..., "judges": ..., "judge_model": ..., "limit": ...,
        "scores": {scorer: {metric: value}}}``.
    """
    from inspect_ai import eval as inspect_eval

    from harness.judge_names import LLM_JUDGES
    from harness.judges.registry import parse_judge_names
    from harness.models import (
        EMBEDDED_MODEL,
        ensure_embedded_model,
        model_for,
        register_local_model_info,
        resolve_model_name,
    )
    from harness.results import scorer_summaries
    from tasks.greeting_generation import greeting_generation

    judges = parse_judge_names(settings.eval_judges)
    roles: dict[str, Any] = {}
    if any(name in LLM_JUDGES for name in judges):
        judge = resolve_model_name(settings.eval_judge_model)
        if judge == EMBEDDED_MODEL:
            ensure_embedded_model(progress=True)
        roles["judge"] = model_for(judge)
    task_args: dict[str, Any] = {
        "prompts": settings.eval_prompts,
        "data_dir": str(data_dir),
        "judges": judges,
        "rm_checkpoint": _rm_checkpoint(settings.eval_rm_checkpoint),
    }
    if settings.principles:
        task_args["principles"] = settings.principles
    model_args: dict[str, Any] = {"model_path": str(policy)}
    if settings.eval_device:
        model_args["device"] = settings.eval_device
    generate: dict[str, Any] = {"max_tokens": settings.eval_max_tokens} if settings.eval_max_tokens else {}
    register_local_model_info(policy_model_name(policy), policy)
    log(f"evaluating with greeting_generation (judges {', '.join(judges)}, limit {settings.eval_limit})")
    [result] = inspect_eval(
        greeting_generation(**task_args),
        model=policy_model_name(policy),
        model_args=model_args,
        model_roles=roles or None,
        limit=settings.eval_limit,
        log_dir=str(logs_dir),
        seed=seed,
        display="none",
        **generate,
    )
    scores = {s.scorer: s.metrics for s in scorer_summaries(result)}
    log(f"eval {result.status}: log {result.location}")
    for scorer, metrics in scores.items():
        log(f"  {scorer}: " + ", ".join(f"{name} {value:.4g}" for name, value in metrics.items()))
    return {
        "log": result.location,
        "status": result.status,
        "error": result.error.message if result.error else None,
        "model": policy_model_name(policy),
        "judges": judges,
        "judge_model": str(roles["judge"]) if "judge" in roles else None,
        "limit": settings.eval_limit,
        "scores": scores,
    }


def policy_model_name(policy: Path) -> str:
    """The Inspect name of a saved policy: ``hf/<run folder>`` (the weights come from ``model_path``).

    Every trainer saves to ``<output_dir>/model``, so the run folder's name is what tells policies apart; an
    absolute path would put this machine's folders into logs and on leaderboards.

    Args:
        policy: The saved policy folder; when it is not named ``model``, its own name is used.
    """
    run = policy.parent if policy.name == "model" else policy
    return f"hf/{run.name}"


def _rm_checkpoint(checkpoint: str | None) -> str | None:
    """``prepared`` -> the prepared embedded RM judge's folder (an error if it is not prepared); others unchanged."""
    from trainers.rewards.rm import PREPARED_CHECKPOINT, resolve_rm_checkpoint

    if checkpoint is not None and checkpoint.strip() == PREPARED_CHECKPOINT:
        return str(resolve_rm_checkpoint(checkpoint))
    return checkpoint


def register_on_leaderboard(log_path: str | Path, root: Path, benchmark: str | None = None) -> dict[str, Any]:
    """Register a closing-eval log with ``greetbench leaderboard add``'s rules (checked, copied, recorded).

    Args:
        log_path: The Inspect log.
        root: The leaderboards folder (``leaderboards/`` in the repository by default).
        benchmark: The leaderboard's name; default the project's default benchmark.

    Returns:
        ``{"status": "added", "entry": ..., "registry": path}`` or ``{"status": "refused", "reasons": [...]}``.
    """
    from harness.leaderboard import DEFAULT_BENCHMARK
    from harness.leaderboard.submissions import Refused, Registry, add_log

    name = benchmark or DEFAULT_BENCHMARK
    registry = Registry.load(Path(root) / name, name)
    try:
        entry, _ = add_log(log_path, registry, copy=True)
    except Refused as refusal:
        return {"status": "refused", "reasons": list(refusal.reasons), "benchmark": name, "root": str(root)}
    return {"status": "added", "entry": entry, "registry": str(registry.path), "benchmark": name}
