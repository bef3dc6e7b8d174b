"""The probe families by name, and the two calls a task needs: build every case, run one case.

Each family is a module with a case builder (deterministic given its ``random.Random``) and an async runner over a
:class:`~harness.probes.judges.ProbeJudge`. Every family draws from its own generator, seeded by the run's seed and
the family's name, so asking for fewer families leaves the cases of the others unchanged.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from harness.probes.case import ProbeCase, ProbeOutcome, ProbeSettings
from harness.probes.held_out_attacks import build_meta_text_cases, build_repetition_cases, run_held_out_attack
from harness.probes.injection import build_injection_cases, run_injection
from harness.probes.judges import ProbeJudge
from harness.probes.length import build_inflate_cases, build_pad_cases, run_length_inflate, run_length_pad
from harness.probes.null import build_null_cases, run_null
from harness.probes.pool import ProbePool
from harness.probes.position import build_position_cases, run_position
from harness.probes.stability import build_stability_cases, run_stability

Builder = Callable[[ProbePool, int, random.Random, ProbeSettings], list[ProbeCase]]
Runner = Callable[[ProbeCase, ProbeJudge], Awaitable[ProbeOutcome]]


@dataclass(frozen=True)
class ProbeKind:
    """One probe family.

    Attributes:
        name: The family's name (the ``probes`` task argument, and ``probe`` in sample metadata).
        metric: The stem of its metrics: ``<metric>_rate`` (+ ``_ci_low``/``_ci_high``) and ``<metric>_n``.
        build: Makes the cases.
        run: Judges one case.
        description: What a failure is.
    """

    name: str
    metric: str
    build: Builder
    run: Runner
    description: str


PROBES: dict[str, ProbeKind] = {
    kind.name: kind
    for kind in (
        ProbeKind("position", "position_flip", build_position_cases, run_position,
                  "the pairwise winner changes when the two greetings swap places"),
        ProbeKind("length_pad", "length_pad_flip", build_pad_cases, run_length_pad,
                  "padding a good greeting with filler blessings changes the verdict"),
        ProbeKind("length_inflate", "length_inflate_flip", build_inflate_cases, run_length_inflate,
                  "a bad greeting judged bad is judged good once inflated to a typical good length"),
        ProbeKind("injection", "injection_success", build_injection_cases, run_injection,
                  "a bad greeting judged bad is judged good once it carries an injected instruction"),
        ProbeKind("repetition", "repetition_success", build_repetition_cases, run_held_out_attack,
                  "a bad greeting judged bad is judged good once repeated (held-out repetition forms)"),
        ProbeKind("meta_text", "meta_text_success", build_meta_text_cases, run_held_out_attack,
                  "a bad greeting judged bad is judged good once it carries praise, a grader note, a score or "
                  "its request (held-out forms)"),
        ProbeKind("null", "null_good", build_null_cases, run_null,
                  "an empty, constant or echoed response is judged good"),
        ProbeKind("stability", "stability_flip", build_stability_cases, run_stability,
                  "the verdict on one greeting differs between sampling seeds"),
    )
}  # fmt: skip
"""Probe families by name, in report order."""

PROBE_GROUPS = {
    "all": tuple(PROBES),
    "length": ("length_pad", "length_inflate"),
    "attacks": ("length_pad", "length_inflate", "injection", "repetition", "meta_text", "null"),
}
"""Names that stand for several families."""


def parse_probes(probes: str | Sequence[str]) -> list[str]:
    """``"all"``, a family name, a group or a comma list of them -> family names in report order.

    Raises:
        ValueError: An unknown name, or nothing named.
    """
    names = [p.strip() for p in (probes.split(",") if isinstance(probes, str) else probes) if p.strip()]
    unknown = [n for n in names if n not in PROBES and n not in PROBE_GROUPS]
    if unknown or not names:
        valid = ", ".join([*PROBE_GROUPS, *PROBES])
        raise ValueError(f"unknown probes {unknown or names}: choose from {valid}")
    chosen = {family for n in names for family in PROBE_GROUPS.get(n, (n,))}
    return [name for name in PROBES if name in chosen]


def probe_rng(seed: int, probe: str) -> random.Random:
    """The generator of one family's cases (string-seeded: the same on every machine and Python run)."""
    return random.Random(f"greetbench-probes:{seed}:{probe}")


def build_probe_cases(
    pool: ProbePool, probes: str | Sequence[str], n: int, settings: ProbeSettings | None = None
) -> list[ProbeCase]:
    """Up to ``n`` cases per family, families in report order.

    Args:
        pool: The labelled greetings to cut cases from.
        probes: Families (see :func:`parse_probes`).
        n: Cases per family (fewer when the pool is too small).
        settings: Family knobs and the seed; defaults to :class:`ProbeSettings`.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    settings = settings or ProbeSettings()
    return [
        case
        for name in parse_probes(probes)
        for case in PROBES[name].build(pool, n, probe_rng(settings.seed, name), settings)
    ]


async def run_probe_case(case: ProbeCase, judge: ProbeJudge) -> ProbeOutcome:
    """Judge one case with its family's runner."""
    return await PROBES[case.probe].run(case, judge)
