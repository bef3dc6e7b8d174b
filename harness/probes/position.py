"""Position bias: a pair of greetings judged in both orders; a judge whose winner follows the order is biased.

Pairs are a good and a bad greeting from the evaluation set: the bad one is from the same request when the set
has one, else a bad greeting from another request. Which one is shown first in the first order is drawn at random.
"""

from __future__ import annotations

import random
from collections import defaultdict

from harness.data import match_key
from harness.probes.case import ProbeCase, ProbeOutcome, ProbeSettings
from harness.probes.judges import ProbeJudge
from harness.probes.pool import ProbePool

PROBE = "position"


def build_position_cases(pool: ProbePool, n: int, rng: random.Random, settings: ProbeSettings) -> list[ProbeCase]:
    """Up to ``n`` pairs, one per sampled good greeting."""
    bad_by_query = defaultdict(list)
    for row in pool.bad:
        bad_by_query[match_key(row.query)].append(row)
    cases = []
    for i, good in enumerate(rng.sample(pool.good, min(n, len(pool.good)))):
        same = bad_by_query.get(match_key(good.query))
        bad = rng.choice(same or pool.bad)
        good_first = rng.random() < 0.5
        a, b = (good, bad) if good_first else (bad, good)
        details = {
            "a_label": a.label,
            "b_label": b.label,
            "a_line": a.line,
            "b_line": b.line,
            "same_request": bool(same),
        }
        cases.append(
            ProbeCase(PROBE, f"{PROBE}-{i:03d}", good.query, original=a.response, partner=b.response, details=details)
        )
    return cases


async def run_position(case: ProbeCase, judge: ProbeJudge) -> ProbeOutcome:
    """Judge A against B with A first, then with B first; a changed winner is a flip."""
    pair = await judge.compare(case.query, case.original or "", case.partner or "")
    verdicts = {"a_first": pair.a_first, "b_first": pair.b_first}
    trace = {"outputs": list(pair.outputs)}
    if not pair.parsed:
        return ProbeOutcome(None, None, verdicts, "no winner read in one order or both", trace)
    flip = not pair.consistent
    return ProbeOutcome(flip, flip, verdicts, "", trace)
