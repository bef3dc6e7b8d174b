"""Every judge's names, in one light module (no torch, no Inspect scorers).

The scorer registry builds judges under these names, the leaderboard and the report read logs by them, and the
CLI and the trainers choose judges by their short names. Importing this module loads nothing else, so reading a
log never imports the judges themselves.
"""

from __future__ import annotations

JUDGE_SCORERS: dict[str, str] = {
    "principle": "principle_judge",
    "debate": "debate_judge",
    "rm": "reward_model_judge",
    "length": "length_judge",
    "constant": "constant_judge",
}
"""Short name (``--judges``, ``-T judges=``) -> the judge's scorer name in logs."""

PANEL = "panel"
"""The panel's short name and its scorer name in logs (majority of the non-baseline judges)."""

BASELINES = ("length", "constant")
"""Judges that read no meaning: they stand beside the others and never sit on a panel."""

BASELINE_SCORERS = tuple(JUDGE_SCORERS[name] for name in BASELINES)
"""The baselines' scorer names in logs."""

LLM_JUDGES = ("principle", "debate", PANEL)
"""Judges that need the ``judge`` model role; the others (``length``, ``constant``, ``rm``) read no model."""

RM_IDENTITY = "rm_sha256"
"""Where a reward-model judge records its content identity: in its scorer's header metadata and in every score's
metadata (the first of ``harness.judges.reward_model.IDENTITY_KEYS``)."""

PROBED_JUDGE_KEY = "judge_setup"
"""Key of a ``judge_probes`` log's metadata holding what the probed judge is (for a reward model, its identity)."""


def short_names() -> dict[str, str]:
    """Scorer name in logs -> short name, the panel included."""
    return {scorer: short for short, scorer in JUDGE_SCORERS.items()} | {PANEL: PANEL}
