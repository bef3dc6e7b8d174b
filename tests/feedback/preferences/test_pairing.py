"""Pairing rules on hand-made judgements: who takes a side, good x bad per request, gap, dedupe, length balance."""

from __future__ import annotations

import pytest

from feedback.preferences import (
    Candidate,
    PairingSettings,
    Query,
    classify,
    length_balance,
    make_pairs,
    query_id,
    trace_id,
)

KEY = "judge-000000000000"


def query(text: str) -> Query:
    return Query(query_id(text), text)


def candidates(texts: list[str], stop: dict[int, str] | None = None) -> list[Candidate]:
    return [Candidate(i, text, (stop or {}).get(i, "stop"), 5, i) for i, text in enumerate(texts)]


def judgement(q: Query, text: str, verdict: str | None, p_good: float | None = None) -> tuple[str, dict]:
    tid = trace_id(KEY, q.text, text)
    return tid, {"trace_id": tid, "verdict": verdict, "p_good": p_good, "malformed": verdict is None, "calls": 1}


def greeting(chars: int, tag: str = "") -> str:
    return (tag + "祝" * chars)[:chars]


def test_who_takes_a_side() -> None:
    q = query("妈妈生日")
    texts = ["长长的好祝福语", "  ", "长长的好祝福语 ", "被截断的祝福", "没判", "读不懂", "短", "没有概率"]
    judged = dict(
        [
            judgement(q, "长长的好祝福语", "good", 0.9),
            judgement(q, "被截断的祝福", "good", 0.9),
            judgement(q, "读不懂", None),
            judgement(q, "短", "bad", 0.2),
            judgement(q, "没有概率", "bad"),
        ]
    )
    samples = {q.id: candidates(texts, stop={3: "max_tokens"})}
    verdicts = classify([q], samples, judged, KEY, PairingSettings())
    left_out = [None, "empty", "duplicate", "truncated", "unjudged", "malformed", None, None]
    assert [c.left_out for c in verdicts] == left_out
    assert [c.side for c in verdicts] == ["good", None, None, None, None, None, "bad", "bad"]
    by_p = classify([q], samples, judged, KEY, PairingSettings(threshold=0.5, keep_truncated=True))
    assert [c.left_out for c in by_p][3] is None and by_p[3].side == "good"
    assert by_p[-1].left_out == "no_p_good"


def test_every_good_against_every_bad_of_the_same_request_once() -> None:
    a, b = query("请求甲"), query("请求乙")
    judged = dict(
        [
            judgement(a, "甲好一", "good", 0.9),
            judgement(a, "甲好二", "good", 0.8),
            judgement(a, "甲差", "bad", 0.3),
            judgement(b, "乙好", "good", 0.7),
        ]
    )
    samples = {a.id: candidates(["甲好一", "甲好二", "甲差"]), b.id: candidates(["乙好"])}
    pairing = make_pairs(classify([a, b], samples, judged, KEY, PairingSettings()), PairingSettings())
    assert [(p.chosen.text, p.rejected.text) for p in pairing.pairs] == [("甲好一", "甲差"), ("甲好二", "甲差")]
    gap = PairingSettings(min_gap=0.55)
    gapped = make_pairs(classify([a, b], samples, judged, KEY, gap), gap)
    assert [p.chosen.text for p in gapped.pairs] == ["甲好一"] and gapped.counts["min_gap"] == 1


def test_the_same_request_twice_gives_its_pairs_once() -> None:
    q = query("请求")
    judged = dict([judgement(q, "好的", "good"), judgement(q, "差", "bad")])
    samples = {q.id: candidates(["好的", "差"])}
    pairing = make_pairs(classify([q, q], samples, judged, KEY, PairingSettings()), PairingSettings())
    assert len(pairing.candidates) == 2 and len(pairing.pairs) == 1


def balanced(settings: PairingSettings):
    q = query("请求")
    good, bad = [greeting(10, "好"), greeting(20, "好")], [greeting(15, "差"), greeting(5, "差")]
    judged = dict([judgement(q, t, "good") for t in good] + [judgement(q, t, "bad") for t in bad])
    return make_pairs(classify([q], {q.id: candidates(good + bad)}, judged, KEY, settings), settings)


def test_length_balance_half_and_ratio() -> None:
    # Pairs (chosen, rejected) chars: (10, 15) shorter; (10, 5), (20, 15), (20, 5) longer.
    plain = balanced(PairingSettings())
    assert len(plain.pairs) == 4
    half = balanced(PairingSettings(balance="half"))
    lengths = [(p.chosen_chars, p.rejected_chars) for p in half.pairs]
    assert len(lengths) == 2 and (10, 15) in lengths and length_balance(lengths)["chosen_longer"] == 0.5
    assert half.counts["balance"] == 2 and half.balance_report["available_not_longer"] == 1
    assert [(p.chosen_chars, p.rejected_chars) for p in balanced(PairingSettings(balance="ratio")).pairs] == []
    ratio = balanced(PairingSettings(balance="ratio", max_length_ratio=0.3))
    assert [(p.chosen_chars, p.rejected_chars) for p in ratio.pairs] == [(20, 15)]


def test_half_balance_without_a_shorter_chosen_keeps_nothing() -> None:
    q = query("请求")
    judged = dict([judgement(q, greeting(20), "good"), judgement(q, greeting(5), "bad")])
    samples = {q.id: candidates([greeting(20), greeting(5)])}
    settings = PairingSettings(balance="half")
    pairing = make_pairs(classify([q], samples, judged, KEY, settings), settings)
    assert pairing.pairs == [] and pairing.balance_report["available_longer"] == 1


def test_length_balance_figures() -> None:
    figures = length_balance([(10, 5), (5, 10), (8, 8), (12, 6)])
    assert figures["chosen_longer"] == 0.5 and figures["equal"] == 0.25 and figures["chosen_shorter"] == 0.25
    assert figures["longer_wins"] == 0.625 and figures["median_ratio"] == 1.5
    assert length_balance([])["chosen_longer"] is None


@pytest.mark.parametrize(
    "bad",
    [{"threshold": 1.5}, {"min_gap": -0.1}, {"balance": "even"}, {"max_length_ratio": 2.0}],
)
def test_bad_settings_are_refused(bad: dict) -> None:
    with pytest.raises(ValueError):
        PairingSettings(**bad)
