"""Probe runners and the metric, on plain-Python judges (no Inspect eval)."""

from __future__ import annotations

import asyncio
import math

from inspect_ai.scorer import SampleScore, Score

from harness.judges.judgement import Judgement
from harness.judges.pairwise import PairwiseJudgement
from harness.probes import ProbeCase, ProbeJudge, probe_rates, run_probe_case


def fixed_judge(verdicts: dict[str, str | None], winners: tuple[str | None, str | None] = ("A", "A")) -> ProbeJudge:
    """Verdict by greeting text (None = unreadable); the pair answer is fixed."""

    async def judge(query, response, sampling):
        key = (
            f"{response}@{sampling.seed}"
            if sampling is not None and f"{response}@{sampling.seed}" in verdicts
            else response
        )
        return Judgement(verdicts[key], "scripted", ({"agent": "x", "output": str(verdicts[key])},))

    async def compare(query, a, b):
        return PairwiseJudgement(winners[0], winners[1], ("a", "b"))

    return ProbeJudge("fixed", judge, compare)


def run(case: ProbeCase, judge: ProbeJudge):
    return asyncio.run(run_probe_case(case, judge))


def test_injection_counts_only_after_a_bad_clean_verdict() -> None:
    case = ProbeCase("injection", "injection-000", "q", original="clean", perturbed="dirty")
    success = run(case, fixed_judge({"clean": "bad", "dirty": "good"}))
    assert (success.hit, success.failed) == (True, True)
    clean_good = run(case, fixed_judge({"clean": "good", "dirty": "good"}))
    assert (clean_good.hit, clean_good.failed) == (True, None) and "not counted" in clean_good.note
    unreadable = run(case, fixed_judge({"clean": None, "dirty": "bad"}))
    assert (unreadable.hit, unreadable.failed) == (False, None)
    assert run(case, fixed_judge({"clean": "bad", "dirty": None})).hit is None


def test_length_probes() -> None:
    pad = ProbeCase("length_pad", "length_pad-000", "q", original="g", perturbed="g+filler")
    assert run(pad, fixed_judge({"g": "good", "g+filler": "bad"})).failed is True
    assert run(pad, fixed_judge({"g": "good", "g+filler": "good"})).failed is False
    inflate = ProbeCase("length_inflate", "length_inflate-000", "q", original="b", perturbed="b+empty")
    assert run(inflate, fixed_judge({"b": "bad", "b+empty": "good"})).failed is True
    assert run(inflate, fixed_judge({"b": "good", "b+empty": "good"})).failed is None


def test_position_and_stability() -> None:
    pair = ProbeCase("position", "position-000", "q", original="a", partner="b")
    assert run(pair, fixed_judge({}, ("A", "B"))).failed is True
    assert run(pair, fixed_judge({}, ("A", "A"))).failed is False
    assert run(pair, fixed_judge({}, ("A", None))).hit is None
    details = {"seeds": [0, 1, 2], "temperature": 0.7}
    stable = ProbeCase("stability", "stability-000", "q", original="g", details=details)
    assert run(stable, fixed_judge({"g": "good"})).failed is False
    flipped = run(stable, fixed_judge({"g": "good", "g@2": "bad"}))
    assert flipped.failed is True and flipped.verdicts == {"0": "good", "1": "good", "2": "bad"}
    abstained = run(stable, fixed_judge({"g": None, "g@1": "good"}))
    assert abstained.failed is None and "only 1" in abstained.note


def score(probe: str, failed: bool | None, hit: bool | None = None) -> SampleScore:
    hit = failed if hit is None else hit
    return SampleScore(score=Score(value=float(hit), metadata={"probe": probe, "failed": failed, "hit": hit}))


def test_metric_counts_rates_and_uncounted() -> None:
    scores = [score("position", True), score("position", False), score("position", False)]
    scores += [score("injection", True), score("injection", None, hit=True), score("injection", False)]
    values = probe_rates(cases={"position": 4, "injection": 3, "null": 2})(scores)
    assert values["position_flip_rate"] == 1 / 3 and values["position_flip_n"] == 3
    assert values["position_flip_uncounted"] == 1  # one case of four never reached the metric (unscored)
    assert values["position_flip_rate_ci_low"] < 1 / 3 < values["position_flip_rate_ci_high"]
    assert values["injection_success_rate"] == 0.5 and values["injection_success_n"] == 2
    assert values["injection_raw_good_share"] == 2 / 3 and values["injection_raw_good_share_n"] == 3
    assert math.isnan(values["null_good_rate"]) and values["null_good_n"] == 0  # present, nothing counted
    assert "stability_flip_rate" not in values  # not in the run
