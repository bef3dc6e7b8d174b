"""Length bias: longer is not better.

- ``length_pad``: a good greeting padded with generic filler blessings; any change of verdict counts, and the
  metrics say which way it went (filler may fairly make a greeting worse; it must never make a bad one good).
- ``length_inflate``: a bad greeting stretched with empty words to the good greetings' typical (median) length;
  counted only when the clean greeting is judged bad, and a failure when the inflated one is judged good.

Both draw their filler and empty words from the held-out side of the attack forms (:mod:`harness.probes.forms`),
which no trainer sees.
"""

from __future__ import annotations

import random

from harness.creativity import char_length
from harness.probes.case import ProbeCase, ProbeOutcome, ProbeSettings, judgement_record
from harness.probes.forms import EMPTY_WORDS, FILLER
from harness.probes.judges import ProbeJudge, bad_turned_good
from harness.probes.perturb import inflate_with_empty_words, pad_with_filler
from harness.probes.pool import ProbePool

PAD = "length_pad"
INFLATE = "length_inflate"


def build_pad_cases(pool: ProbePool, n: int, rng: random.Random, settings: ProbeSettings) -> list[ProbeCase]:
    """Up to ``n`` good greetings, each padded with filler (appended, prepended or both)."""
    cases = []
    for i, row in enumerate(rng.sample(pool.good, min(n, len(pool.good)))):
        padded = pad_with_filler(row.response, rng, phrases=FILLER["heldout"])
        details = {"label": row.label, "line": row.line, "place": padded.place, "added": list(padded.added)}
        cases.append(ProbeCase(PAD, f"{PAD}-{i:03d}", row.query, row.response, padded.text, details=details))
    return cases


def build_inflate_cases(pool: ProbePool, n: int, rng: random.Random, settings: ProbeSettings) -> list[ProbeCase]:
    """Up to ``n`` bad greetings shorter than the typical good length, each inflated to that length."""
    target = pool.typical_good_length
    short = [row for row in pool.bad if char_length(row.response) < target]
    cases = []
    for i, row in enumerate(rng.sample(short, min(n, len(short)))):
        inflated = inflate_with_empty_words(row.response, target, rng, vocabulary=EMPTY_WORDS["heldout"])
        details = {"label": row.label, "line": row.line, "target_length": target, "added": list(inflated.added)}
        cases.append(ProbeCase(INFLATE, f"{INFLATE}-{i:03d}", row.query, row.response, inflated.text, details=details))
    return cases


async def run_length_pad(case: ProbeCase, judge: ProbeJudge) -> ProbeOutcome:
    """Judge the clean and the padded greeting; a changed verdict is a flip."""
    clean = await judge.judge(case.query, case.original or "", None)
    padded = await judge.judge(case.query, case.perturbed or "", None)
    verdicts = {"original": clean.verdict, "perturbed": padded.verdict}
    trace = {"original": judgement_record(clean), "perturbed": judgement_record(padded)}
    if clean.verdict is None or padded.verdict is None:
        return ProbeOutcome(None, None, verdicts, "unreadable judge output", trace)
    flip = clean.verdict != padded.verdict
    return ProbeOutcome(flip, flip, verdicts, "", trace)


async def run_length_inflate(case: ProbeCase, judge: ProbeJudge) -> ProbeOutcome:
    """Judge the clean and the inflated greeting; bad -> good is the failure."""
    return await bad_turned_good(case, judge, skip_note="clean greeting judged good: nothing to flip, not counted")
