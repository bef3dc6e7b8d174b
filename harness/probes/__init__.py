"""Reliability probes of the judges: position, length, injection, repetition, meta-text, null, stability.

Each family builds its cases by code from the labelled evaluation set (deterministic given a seed) and judges them
with a judge's plain async core. The attack families draw only on the held-out side of the attack forms
(:mod:`harness.probes.forms`); trainers augment with the other side. The ``probe`` scorer wraps that for the
``greetbench/judge_probes`` task, whose metrics are ``<family>_rate`` with Wilson intervals (see
:mod:`harness.probes.metrics`).
"""

from harness.probes.case import ProbeCase, ProbeOutcome, ProbeSettings, judgement_record
from harness.probes.forms import (
    FAMILIES,
    SPLITS,
    AttackForm,
    all_forms,
    attack_forms,
    injection_forms_of,
    split_record,
)
from harness.probes.injections import PAYLOADS, WRAPPERS, InjectionForm, injection_forms
from harness.probes.judges import PROBE_JUDGES, ProbeJudge, ProbeJudgeOptions, ProbeJudgeSpec, prepare_probe_judge
from harness.probes.metrics import probe_rates
from harness.probes.perturb import EmptyWords, Perturbation, inflate_with_empty_words, pad_with_filler
from harness.probes.pool import ProbePool
from harness.probes.scorer import probe
from harness.probes.suite import PROBE_GROUPS, PROBES, ProbeKind, build_probe_cases, parse_probes, run_probe_case

__all__ = [
    "FAMILIES",
    "SPLITS",
    "AttackForm",
    "EmptyWords",
    "all_forms",
    "attack_forms",
    "injection_forms_of",
    "split_record",
    "PAYLOADS",
    "PROBES",
    "PROBE_GROUPS",
    "PROBE_JUDGES",
    "WRAPPERS",
    "InjectionForm",
    "Perturbation",
    "ProbeCase",
    "ProbeJudge",
    "ProbeJudgeOptions",
    "ProbeJudgeSpec",
    "ProbeKind",
    "ProbeOutcome",
    "ProbePool",
    "ProbeSettings",
    "build_probe_cases",
    "inflate_with_empty_words",
    "injection_forms",
    "judgement_record",
    "pad_with_filler",
    "parse_probes",
    "prepare_probe_judge",
    "probe",
    "probe_rates",
    "run_probe_case",
]
