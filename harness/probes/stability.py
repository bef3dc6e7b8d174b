"""Stability: the same judge on the same greeting, sampled with different seeds; any disagreement is a flip.

Judges decode greedily by default, under which a seed changes nothing, so this probe samples at a temperature
above zero (:class:`~harness.probes.case.ProbeSettings`) and passes a different ``GenerateConfig(seed=...)`` per
run. Providers that ignore a per-call seed (Inspect's Hugging Face provider seeds only when the model is made)
still sample, so the probe then measures sampling spread without per-call reproducibility.
"""

from __future__ import annotations

import random

from inspect_ai.model import GenerateConfig

from harness.probes.case import ProbeCase, ProbeOutcome, ProbeSettings, judgement_record
from harness.probes.judges import ProbeJudge
from harness.probes.pool import ProbePool

PROBE = "stability"


def build_stability_cases(pool: ProbePool, n: int, rng: random.Random, settings: ProbeSettings) -> list[ProbeCase]:
    """Up to ``n`` greetings, good and bad alike; each case carries its seeds and temperature."""
    rows = rng.sample(pool.rows, min(n, len(pool.rows)))
    return [
        ProbeCase(
            PROBE,
            f"{PROBE}-{i:03d}",
            row.query,
            original=row.response,
            details={
                "label": row.label,
                "line": row.line,
                "seeds": settings.stability_seeds,
                "temperature": settings.stability_temperature,
            },
        )
        for i, row in enumerate(rows)
    ]


async def run_stability(case: ProbeCase, judge: ProbeJudge) -> ProbeOutcome:
    """Judge the greeting once per seed (in turn); a flip is any two readable verdicts that differ.

    Unreadable runs abstain; fewer than two readable runs leave the case uncounted.
    """
    seeds = list(case.details["seeds"])
    temperature = float(case.details["temperature"])
    verdicts: dict[str, str | None] = {}
    trace = {}
    for seed in seeds:
        judged = await judge.judge(case.query, case.original or "", GenerateConfig(seed=seed, temperature=temperature))
        verdicts[str(seed)] = judged.verdict
        trace[str(seed)] = judgement_record(judged)
    readable = [v for v in verdicts.values() if v is not None]
    if len(readable) < 2:
        return ProbeOutcome(None, None, verdicts, f"only {len(readable)} readable verdicts of {len(seeds)}", trace)
    flip = len(set(readable)) > 1
    note = "" if len(readable) == len(seeds) else f"{len(seeds) - len(readable)} unreadable runs abstained"
    return ProbeOutcome(flip, flip, verdicts, note, trace)
