"""Principle optimization (the paper's Path B) and GEPA beside it: rules for the principle judge, improved on the
dev split's train slice, chosen on its validation slice, reported on the test split.

Modules: :mod:`.prompts` (what each role is asked), :mod:`.roles` (the four roles, one recorded call),
:mod:`.rulesets` (checked rule sets, the principles YAML with lineage), :mod:`.slices` (train/validation/test rows),
:mod:`.store` (the resumable run folder), :mod:`.detector` (the principle judge's core under a candidate rule set),
:mod:`.balanced` (balanced accuracy), :mod:`.selection` (when a candidate replaces the rules), :mod:`.adversarial`
(the loop), :mod:`.gepa_run` (GEPA), :mod:`.report` (before/after), :mod:`.run` (one run), :mod:`.cli` (the
command).
"""

from feedback.principles.adversarial import LoopSettings, optimize_adversarially
from feedback.principles.balanced import balanced_accuracy
from feedback.principles.detector import Detector, SliceAgreement, slice_agreement
from feedback.principles.gepa_run import (
    FinalChoice,
    GepaOutcome,
    GreetingJudgeAdapter,
    final_choice,
    optimize_with_gepa,
)
from feedback.principles.report import before_after_report
from feedback.principles.roles import ROLES, MalformedOutput, Roles, role_call
from feedback.principles.rulesets import MAX_RULES, RuleSetError, rules_from_items, rules_from_text, write_principles
from feedback.principles.run import OPTIMIZERS, OptimizeResult, OptimizeSettings, optimize_principles
from feedback.principles.selection import rejection
from feedback.principles.slices import Slices, optimization_slices
from feedback.principles.store import RunStore

__all__ = [
    "MAX_RULES",
    "OPTIMIZERS",
    "ROLES",
    "Detector",
    "FinalChoice",
    "GepaOutcome",
    "GreetingJudgeAdapter",
    "LoopSettings",
    "MalformedOutput",
    "OptimizeResult",
    "OptimizeSettings",
    "Roles",
    "RuleSetError",
    "RunStore",
    "SliceAgreement",
    "Slices",
    "balanced_accuracy",
    "before_after_report",
    "final_choice",
    "optimization_slices",
    "optimize_adversarially",
    "optimize_principles",
    "optimize_with_gepa",
    "rejection",
    "role_call",
    "rules_from_items",
    "rules_from_text",
    "slice_agreement",
    "write_principles",
]
