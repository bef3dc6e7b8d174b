"""Which cards a set of agreement logs makes: one per (judge, run), told apart by the run traits that can change the
judge's verdicts; among logs that do not differ in any of them, one is used and the others are listed as superseded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from inspect_ai.log import EvalLog

from harness.judge_names import JUDGE_SCORERS, PROBED_JUDGE_KEY, RM_IDENTITY
from harness.leaderboard.logs import checkpoint_identity
from harness.slug import slug

TRAITS_BY_JUDGE: dict[str, tuple[str, ...]] = {
    JUDGE_SCORERS["length"]: ("split",),
    JUDGE_SCORERS["constant"]: ("split",),
    JUDGE_SCORERS["rm"]: ("split", "rm_checkpoint"),
    JUDGE_SCORERS["principle"]: ("split", "judge_model", "principles", "judge_reason"),
    JUDGE_SCORERS["debate"]: ("split", "judge_model"),
    "panel": ("split", "judge_model", "principles", "rm_checkpoint"),
}
"""Run traits that can change a judge's verdicts (others, such as the judge model for the length rule, cannot)."""

ALL_TRAITS = ("split", "judge_model", "principles", "rm_checkpoint", "judge_reason")


@dataclass(frozen=True)
class CardSpec:
    """Which log and scorer a card is made from.

    Attributes:
        key: The card's file stem (``rm_judge``, ``rm_judge-all``, ``principle_judge-openai-gpt-4o``).
        judge: The scorer name.
        log: The agreement log used.
        superseded: Locations of older logs of the same judge and traits, not used.
        calibration_logs: Locations of ``split=dev`` logs of the same judge with the same other traits, latest
            first: where a P(good) threshold is fit when the card's own log holds no dev rows.
    """

    key: str
    judge: str
    log: EvalLog
    superseded: tuple[str, ...] = ()
    calibration_logs: tuple[str, ...] = ()


RM_IDENTITY_CHARS = 16
"""Hex characters of a reward model's identity kept in its trait (and so in a card's name): 64 bits."""


def run_traits(log: EvalLog) -> dict[str, str]:
    """The traits of an agreement run that can distinguish two cards of one judge.

    The reward model is known by its content identity (weights and threshold), never by its folder name, so two
    reward models saved as ``<out>/model`` get two cards and neither supersedes the other. A run that names a
    checkpoint but records no identity (an older log) gets a trait of its own (its eval id): nothing shows it
    is the same judge as another run.
    """
    args = log.eval.task_args or {}
    roles = {role: config.model for role, config in (log.eval.model_roles or {}).items()}
    return {
        "split": str(args.get("split") or (log.eval.metadata or {}).get("split") or "test"),
        "judge_model": str(roles.get("judge", "")),
        "principles": str(args.get("principles") or ""),
        "rm_checkpoint": _rm_trait(log) if args.get("rm_checkpoint") else "",
        # The principle judge's verdict-only mode is a different prompt: its own card.
        "judge_reason": "verdict-only" if str(args.get("judge_reason", True)).lower() == "false" else "with-reason",
    }


def _rm_trait(log: EvalLog) -> str:
    judge = JUDGE_SCORERS["rm"]
    scores = [(sample.scores or {}).get(judge) for sample in log.samples or []]
    identity = checkpoint_identity(log, judge, [(score.metadata or {}) if score else {} for score in scores])
    # A judge_probes log has no rm scorer: the task records the probed judge's identity in its metadata.
    identity = identity or ((log.eval.metadata or {}).get(PROBED_JUDGE_KEY) or {}).get(RM_IDENTITY)
    return f"rm-{identity[:RM_IDENTITY_CHARS]}" if identity else f"unidentified-{log.eval.eval_id}"


def card_specs(logs: Sequence[EvalLog]) -> list[CardSpec]:
    """One spec per judge and distinguishing run.

    Among logs that differ in nothing that matters for the judge, the card is made from the one with the most
    samples (the most evidence: a 40-row run that also carried the length baseline must not hide a full run of
    it), the latest on a tie; the others are listed on the card.

    Args:
        logs: Agreement logs, oldest first.

    Returns:
        Specs in order of first appearance.
    """
    by_judge: dict[str, list[EvalLog]] = defaultdict(list)
    for log in logs:
        for score in log.results.scores if log.results else []:
            by_judge[score.name].append(log)
    specs = []
    for judge, judge_logs in by_judge.items():
        relevant = TRAITS_BY_JUDGE.get(judge, ALL_TRAITS)
        traits = [run_traits(log) for log in judge_logs]
        varying = [t for t in relevant if len({trait[t] for trait in traits}) > 1]
        groups: dict[str, list[EvalLog]] = defaultdict(list)
        for log, trait in zip(judge_logs, traits, strict=True):
            key = "-".join([judge, *(slug(trait[t]) for t in varying)])
            groups[key].append(log)
        for key, group in groups.items():
            chosen = max(reversed(group), key=_sample_count)  # max keeps the first of equals: the latest
            others = tuple(log.location for log in group if log is not chosen)
            specs.append(CardSpec(key, judge, chosen, others, _calibration_logs(chosen, judge_logs, relevant)))
    return specs


def _calibration_logs(chosen: EvalLog, logs: Sequence[EvalLog], relevant: Sequence[str]) -> tuple[str, ...]:
    """The ``split=dev`` logs among ``logs`` that match ``chosen`` in every relevant trait but the split."""
    mine = run_traits(chosen)
    same = [t for t in relevant if t != "split"]
    found = [
        log.location
        for log in logs
        if log is not chosen and run_traits(log)["split"] == "dev" and all(run_traits(log)[t] == mine[t] for t in same)
    ]
    return tuple(reversed(found))


def _sample_count(log: EvalLog) -> int:
    return log.results.total_samples if log.results else 0
