"""Null responses: an empty answer, the constant stock line and the echoed request must all be judged bad.

The texts are exactly what the ``null/`` models (:mod:`harness.models.null`) would answer to the paper's policy
prompt, so the probe and a ``--model null/...`` run test the same thing. Note that the LLM judges' cores call an
empty response bad without asking the model, so the empty case tests that guard.
"""

from __future__ import annotations

import random

from inspect_ai.model import ChatMessageUser

from harness.data import policy_prompt
from harness.models.null import null_response
from harness.probes.case import ProbeCase, ProbeOutcome, ProbeSettings, judgement_record
from harness.probes.judges import ProbeJudge
from harness.probes.pool import ProbePool

PROBE = "null"
NULL_KINDS = ("empty", "constant", "echo")


def build_null_cases(pool: ProbePool, n: int, rng: random.Random, settings: ProbeSettings) -> list[ProbeCase]:
    """Up to ``n`` distinct requests, the null kinds dealt out in turn (a shuffled start)."""
    queries = sorted({row.query for row in pool.rows})
    offset = rng.randrange(len(NULL_KINDS))
    cases = []
    for i, query in enumerate(rng.sample(queries, min(n, len(queries)))):
        kind = NULL_KINDS[(i + offset) % len(NULL_KINDS)]
        text = null_response(kind, [ChatMessageUser(content=policy_prompt(query))])
        cases.append(ProbeCase(PROBE, f"{PROBE}-{i:03d}", query, perturbed=text, details={"null_kind": kind}))
    return cases


async def run_null(case: ProbeCase, judge: ProbeJudge) -> ProbeOutcome:
    """Judge the null response; good is the failure."""
    judged = await judge.judge(case.query, case.perturbed or "", None)
    verdicts = {"perturbed": judged.verdict}
    trace = {"perturbed": judgement_record(judged)}
    if judged.verdict is None:
        return ProbeOutcome(None, None, verdicts, "unreadable judge output", trace)
    good = judged.verdict == "good"
    return ProbeOutcome(good, good, verdicts, "", trace)
