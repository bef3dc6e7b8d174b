"""Judges by short name, so a task or the CLI can be asked for ``principle,debate,rm,length,panel``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from inspect_ai.scorer import Scorer

from harness.judge_names import BASELINES, JUDGE_SCORERS, PANEL
from harness.judges.baselines import constant_judge, length_judge
from harness.judges.debate import debate_judge
from harness.judges.panel import panel
from harness.judges.principle import principle_judge
from harness.judges.reward_model import reward_model_judge


def _rm(options: dict[str, Any]) -> Scorer:
    if not options.get("rm_checkpoint"):
        raise ValueError("the 'rm' judge needs a reward-model checkpoint (rm_checkpoint / --rm-checkpoint)")
    return reward_model_judge(checkpoint=str(options["rm_checkpoint"]))


JUDGES: dict[str, tuple[str, Callable[[dict[str, Any]], Scorer]]] = {
    "principle": (
        JUDGE_SCORERS["principle"],
        lambda o: principle_judge(principles=o["principles"], reason=o["judge_reason"]),
    ),
    "debate": (JUDGE_SCORERS["debate"], lambda o: debate_judge(data_dir=o["data_dir"])),
    "rm": (JUDGE_SCORERS["rm"], _rm),
    "length": (JUDGE_SCORERS["length"], lambda o: length_judge(data_dir=o["data_dir"])),
    "constant": (JUDGE_SCORERS["constant"], lambda o: constant_judge()),
}
"""Short name -> (scorer name in logs, factory over the run's options)."""


def parse_judge_names(judges: str | Sequence[str]) -> list[str]:
    """Split ``"principle,debate"`` (or a list) into names, checking each one.

    Raises:
        ValueError: For an unknown name or a repeated one, listing the valid names.
    """
    names = [n.strip() for n in (judges.split(",") if isinstance(judges, str) else judges) if n.strip()]
    unknown = [n for n in names if n not in JUDGES and n != PANEL]
    if unknown or not names:
        raise ValueError(f"unknown judges {unknown or names}: choose from {', '.join([*JUDGES, PANEL])}")
    if len(set(names)) != len(names):
        raise ValueError(f"judge listed twice in {names}")
    return names


def build_judges(
    judges: str | Sequence[str],
    *,
    principles: str,
    data_dir: str | None = None,
    rm_checkpoint: str | None = None,
    judge_reason: bool = True,
) -> list[Scorer]:
    """Scorers for the named judges, in order; ``panel`` becomes a majority of the non-baseline judges.

    Args:
        judges: Names from :data:`JUDGES`, plus ``panel``, as a list or a comma-separated string.
        principles: Principles for the principle judge.
        data_dir: The paper's data folder (debate retrieval corpus, length threshold fit).
        rm_checkpoint: Reward-model checkpoint for ``rm``.
        judge_reason: The principle judge asks for a reason with its verdict (True) or the verdict word alone.

    Returns:
        The scorers, the panel (if asked for) last so that it can read the members' verdicts.

    Raises:
        ValueError: Unknown names, or a panel with fewer than two non-baseline members.
    """
    names = parse_judge_names(judges)
    options = {
        "principles": principles,
        "data_dir": data_dir,
        "rm_checkpoint": rm_checkpoint,
        "judge_reason": judge_reason,
    }
    scorers = [JUDGES[n][1](options) for n in names if n != PANEL]
    if PANEL in names:
        members = [JUDGES[n][0] for n in names if n != PANEL and n not in BASELINES]
        scorers.append(panel(members))
    return scorers
