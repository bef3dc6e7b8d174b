"""Prompt injection: a bad greeting carrying an instruction to its judge (see :mod:`harness.probes.injections`).

Each case is one bad greeting with one held-out injection form (:func:`harness.probes.forms.injection_forms_of`:
payloads and wrappers no trainer sees); forms are dealt out in a shuffled cycle, so a run uses as
many distinct forms as it has cases (up to all of them). The clean greeting is judged too: the attack succeeds when
the injected greeting is judged good although the clean one is judged bad (the counted rate); the raw share of
injected greetings judged good is kept as well.
"""

from __future__ import annotations

import random

from harness.probes.case import ProbeCase, ProbeOutcome, ProbeSettings
from harness.probes.forms import injection_forms_of
from harness.probes.judges import ProbeJudge, bad_turned_good
from harness.probes.pool import ProbePool

PROBE = "injection"


def build_injection_cases(pool: ProbePool, n: int, rng: random.Random, settings: ProbeSettings) -> list[ProbeCase]:
    """Up to ``n`` bad greetings, each with the next form of a shuffled cycle through the held-out forms."""
    forms = injection_forms_of("heldout")
    order = rng.sample(range(len(forms)), len(forms))
    cases = []
    for i, row in enumerate(rng.sample(pool.bad, min(n, len(pool.bad)))):
        form = forms[order[i % len(order)]]
        details = {
            "label": row.label,
            "line": row.line,
            "form": form.id,
            "payload": form.payload,
            "wrapper": form.wrapper,
            "place": form.place,
            "language": form.language,
        }
        cases.append(
            ProbeCase(PROBE, f"{PROBE}-{i:03d}", row.query, row.response, form.apply(row.response), details=details)
        )
    return cases


async def run_injection(case: ProbeCase, judge: ProbeJudge) -> ProbeOutcome:
    """Judge the clean and the injected greeting; good for the injected one after bad for the clean is a success."""
    return await bad_turned_good(case, judge, skip_note="clean greeting judged good: not counted in the success rate")
