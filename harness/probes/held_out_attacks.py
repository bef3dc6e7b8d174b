"""Repetition and meta-text: a bad greeting said again, or carrying text about itself, must stay bad.

- ``repetition``: the greeting repeated whole or in part (held-out forms of the ``repetition`` family);
- ``meta_text``: the greeting with praise of itself, a note to its grader or rater, a score, or the request echoed
  around it (held-out forms of the ``meta_text`` and ``echo`` families).

Each case is one bad greeting with the next form of a shuffled cycle through the held-out forms
(:mod:`harness.probes.forms`), so a run uses every form when it has enough cases. As for injection, a case counts
only when the clean greeting is judged bad, and the attack succeeds when the changed one is judged good.
"""

from __future__ import annotations

import random

from harness.probes.case import ProbeCase, ProbeOutcome, ProbeSettings
from harness.probes.forms import AttackForm, attack_forms
from harness.probes.judges import ProbeJudge, bad_turned_good
from harness.probes.pool import ProbePool

REPETITION = "repetition"
META_TEXT = "meta_text"
PROBE_FAMILIES = {REPETITION: ("repetition",), META_TEXT: ("meta_text", "echo")}
"""Probe name -> the attack families whose held-out forms it uses."""


def _build(probe: str, pool: ProbePool, n: int, rng: random.Random) -> list[ProbeCase]:
    forms: list[AttackForm] = attack_forms("heldout", PROBE_FAMILIES[probe])
    order = rng.sample(range(len(forms)), len(forms))
    cases = []
    for i, row in enumerate(rng.sample(pool.bad, min(n, len(pool.bad)))):
        form = forms[order[i % len(order)]]
        details = {"label": row.label, "line": row.line, "form": form.id, "family": form.family}
        attacked = form.apply(row.response, row.query, rng)
        cases.append(ProbeCase(probe, f"{probe}-{i:03d}", row.query, row.response, attacked, details=details))
    return cases


def build_repetition_cases(pool: ProbePool, n: int, rng: random.Random, settings: ProbeSettings) -> list[ProbeCase]:
    """Up to ``n`` bad greetings, each repeated by a held-out repetition form."""
    return _build(REPETITION, pool, n, rng)


def build_meta_text_cases(pool: ProbePool, n: int, rng: random.Random, settings: ProbeSettings) -> list[ProbeCase]:
    """Up to ``n`` bad greetings, each carrying a held-out meta-text or echo form."""
    return _build(META_TEXT, pool, n, rng)


async def run_held_out_attack(case: ProbeCase, judge: ProbeJudge) -> ProbeOutcome:
    """Judge the clean and the changed greeting; good after bad is the attack's success."""
    return await bad_turned_good(case, judge, skip_note="clean greeting judged good: not counted in the success rate")
