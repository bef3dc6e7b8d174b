"""What ``greetbench eval --board`` runs: the settings a leaderboard's registry accepts.

The first log accepted into a board fixes its configuration (:class:`~harness.leaderboard.logs.RunConfig`): task,
prompt set, judges, judge models and principles. Those settings, and the generation settings (seed, most new
tokens) of that first log, are read back here, so a run made with them is one ``greetbench leaderboard add``
accepts and one that compares like for like with the board's runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from inspect_ai.log import read_eval_log

from harness.judge_names import JUDGE_SCORERS, short_names
from harness.leaderboard.submissions import Registry

GREETING_TASK = "greetbench/greeting_generation"
"""The task whose runs a board ranks."""

PROMPT_SETS = {"greetings-bundled": "bundled", "greetings-grpo-test": "grpo-test"}
"""Dataset name in a log -> greeting_generation's ``prompts`` option."""

JUDGE_ROLE = "judge"
CHECKPOINT_SUFFIX = ".checkpoint"
"""A checkpoint judge's entry in a board's judge models: ``<scorer>.checkpoint`` -> ``sha256:<identity>``."""


class BoardError(ValueError):
    """A board whose settings cannot be run, or a run that cannot meet them; the message is one line."""


@dataclass(frozen=True)
class BoardRun:
    """The greeting_generation settings a board accepts.

    Attributes:
        registry: The board's registry file.
        prompts: ``bundled`` or ``grpo-test``.
        limit: Requests to run (the board's prompt count).
        judges: The judges' short names, comma-separated, in the board's order.
        judge: The model bound to the ``judge`` role, or None when no judge needs a model.
        rm_sha256: The content identity the rm judge must have, or None when the board has no rm judge.
        principles_sha256: The principles' content hash.
        seed: The board's generation seed (from its first log), or None when it used none or is unreadable.
        max_tokens: Its most new tokens per greeting, or None for the task's default.
    """

    registry: Path
    prompts: str
    limit: int
    judges: str
    judge: str | None
    rm_sha256: str | None
    principles_sha256: str | None
    seed: int | None
    max_tokens: int | None


def board_run(folder: str | Path, task_version: int | str) -> BoardRun:
    """The settings of the board in ``folder`` (``leaderboards/<benchmark>``).

    Args:
        folder: The board's folder.
        task_version: The version of greeting_generation that would run (the caller knows the task; the
            library does not import it).

    Raises:
        BoardError: The board has no configuration yet, or one that ``greetbench eval`` cannot run.
    """
    registry = Registry.load(folder)
    config = registry.config
    if config is None:
        raise BoardError(
            f"{registry.path}: the board has no configuration yet (its first `greetbench leaderboard add` sets it)"
        )
    where = f"{registry.path}: config"
    if config.task != GREETING_TASK:
        raise BoardError(f"{where}.task is {config.task}; greetbench eval runs {GREETING_TASK}")
    if config.task_version != task_version:
        raise BoardError(f"{where}.task_version is {config.task_version}; this greetbench runs version {task_version}")
    if config.prompt_set not in PROMPT_SETS:
        raise BoardError(f"{where}.prompt_set is {config.prompt_set!r}; greetbench eval runs {', '.join(PROMPT_SETS)}")
    roles = {k: v for k, v in config.judge_models.items() if not k.endswith(CHECKPOINT_SUFFIX)}
    if set(roles) - {JUDGE_ROLE}:
        raise BoardError(f"{where}.judge_models binds roles {', '.join(sorted(roles))}; greetbench eval binds judge")
    seed, max_tokens = _generation(registry)
    return BoardRun(
        registry=registry.path,
        prompts=PROMPT_SETS[config.prompt_set],
        limit=config.prompt_count,
        judges=",".join(_short_name(name, where) for name in config.judges),
        judge=roles.get(JUDGE_ROLE),
        rm_sha256=_rm_identity(config.judge_models),
        principles_sha256=config.principles_sha256,
        seed=seed,
        max_tokens=max_tokens,
    )


def _short_name(scorer: str, where: str) -> str:
    names = short_names()
    if scorer not in names:
        raise BoardError(f"{where}.judges names {scorer}, which is no greetbench judge")
    return names[scorer]


def _rm_identity(judge_models: dict[str, str]) -> str | None:
    value = judge_models.get(f"{JUDGE_SCORERS['rm']}{CHECKPOINT_SUFFIX}")
    return value.removeprefix("sha256:") if value else None


def _generation(registry: Registry) -> tuple[int | None, int | None]:
    """The seed and most new tokens of the board's first log (the one that set its configuration)."""
    if not registry.submissions:
        return None, None
    try:
        header = read_eval_log(str(registry.resolve(registry.submissions[0])), header_only=True)
    except (OSError, ValueError):
        return None, None
    return header.plan.config.seed, header.plan.config.max_tokens


def board_principles(run: BoardRun, given: str | None) -> str:
    """The principles to run: ``given`` when it hashes as the board's, else the bundled file that does.

    Raises:
        BoardError: Neither ``given`` nor any bundled principles file has the board's hash.
    """
    from harness.principles.principles import bundled_principles, load_principles

    candidates = [given] if given else list(bundled_principles())
    for name in candidates:
        if load_principles(name).sha256 == run.principles_sha256:
            return name
    wanted = (run.principles_sha256 or "none")[:12]
    if given:
        raise BoardError(f"--principles {given} hashes {load_principles(given).sha256[:12]}; the board's hash {wanted}")
    raise BoardError(
        f"{run.registry}: config.principles_sha256 {wanted} matches no bundled principles: pass --principles FILE"
    )


def board_rm_checkpoint(run: BoardRun, candidate: str | Path | None) -> str | None:
    """The rm checkpoint to run: ``candidate`` (given, or the prepared one) when its identity is the board's.

    Returns:
        The checkpoint, or None when the board has no rm judge.

    Raises:
        BoardError: The board has an rm judge and ``candidate`` is missing or another reward model.
    """
    if run.rm_sha256 is None:
        return None
    wanted = run.rm_sha256[:12]
    if candidate is None:
        raise BoardError(f"the board's rm judge is sha256:{wanted}: pass its checkpoint with --rm-checkpoint")
    from harness.judges.reward_model import RewardModelError, reward_model_identity

    try:
        identity = reward_model_identity(candidate).sha256
    except RewardModelError as error:
        raise BoardError(str(error)) from error
    if identity != run.rm_sha256:
        raise BoardError(
            f"rm checkpoint {candidate} is sha256:{identity[:12]}; the board's rm judge is sha256:{wanted}"
        )
    return str(candidate)


__all__ = ["BoardError", "BoardRun", "board_principles", "board_rm_checkpoint", "board_run"]
