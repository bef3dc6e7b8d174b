import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.judges.verdict import parse_verdict, verdict_from_value

READABLE = [
    ('```json\n{"verdict": "good", "reason": "真挚具体"}\n```', "good", "真挚具体"),
    ('```\n{"verdict": "bad", "reason": "套话"}\n```', "bad", "套话"),
    ('好的，评价如下：\n```json\n{"verdict": "bad", "reason": "太短"}\n```', "bad", "太短"),
    ('{"verdict": 1, "reason": "ok"}', "good", "ok"),
    ('{"Verdict": "Good"}', "good", ""),
    ('{"label": 0}', "bad", ""),
    ('{"判定": "好", "理由": "贴合场合"}', "good", "贴合场合"),
    ('{"结论": "不好", "原因": "答非所问"}', "bad", "答非所问"),
    ('{"verdict": true}', "good", ""),
    ('{"verdict": "不合格"}', "bad", ""),
    ('Here is my answer: {"verdict": "good", "reason": "fits"} Hope it helps.', "good", "fits"),
    ("1", "good", None),
    ("0", "bad", None),
    ("Good", "good", None),
    ("bad.", "bad", None),
    ("**Bad**: too generic", "bad", None),
    ("好", "good", None),
    ("不好", "bad", None),
    ("好，因为情感真挚", "good", None),
    ("不好。全是套话", "bad", None),
    ("判定：不好，因为太短", "bad", None),
    ("结论是好的", "good", None),
    ("Verdict: good\nReason: warm and specific", "good", None),
    ("Analysis first...\nFinal verdict: bad", "bad", None),
    ('{"verdict": "good", "reason": "表达了祝福，表达了祝福，表达了', "good", None),  # cut off at max_tokens
]

UNREADABLE = [
    "",
    "   \n",
    "好的，我来评价一下这条祝福语。",  # "好的" is "OK", not a verdict
    "不好意思，我无法评价",  # "sorry"
    "差不多吧",
    "The greeting is good but also bad",  # prose mentioning both
    "This greeting is quite good overall",  # mid-sentence mention only
    '{"score": 7}',
    '{"verdict": "maybe", "reason": "?"}',
    '{"verdict": 0.5}',
    '{"reason": "no verdict key"}\nI think it is fine',
    "Verdict: good\nVerdict: bad",
    "0.5",
    "1. First, the greeting...",
    "<script>alert(1)</script>",
    "```json\n{broken json\n```",
]


@pytest.mark.parametrize(("text", "verdict", "reason"), READABLE)
def test_readable_outputs(text: str, verdict: str, reason: str | None) -> None:
    parsed = parse_verdict(text)
    assert parsed.verdict == verdict
    assert parsed.parsed
    if reason is not None:
        assert parsed.reason == reason


@pytest.mark.parametrize("text", UNREADABLE)
def test_unreadable_outputs_are_not_verdicts(text: str) -> None:
    parsed = parse_verdict(text)
    assert parsed.verdict is None
    assert not parsed.parsed
    assert parsed.reason  # says why


def test_json_with_unreadable_verdict_does_not_fall_back_to_prose() -> None:
    # The prose says "good", but the structured answer is unreadable: do not guess.
    assert parse_verdict('good\n{"verdict": "excellent-ish"}').verdict is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, "good"), (0, "bad"), (1.0, "good"), (True, "good"), (False, "bad"), (2, None), (None, None), ([1], None)],
)
def test_verdict_from_value(value: object, expected: str | None) -> None:
    assert verdict_from_value(value) == expected


@given(verdict=st.sampled_from(["good", "bad"]), reason=st.text(max_size=80), fenced=st.booleans())
def test_json_round_trip(verdict: str, reason: str, fenced: bool) -> None:
    body = json.dumps({"verdict": verdict, "reason": reason}, ensure_ascii=False)
    text = f"```json\n{body}\n```" if fenced else body
    parsed = parse_verdict(text)
    assert parsed.verdict == verdict
    assert parsed.reason == reason.strip()


@given(st.text(alphabet=st.characters(categories=["Lu", "Ll", "Nd", "Zs", "Po"]), max_size=60))
def test_arbitrary_text_never_raises(text: str) -> None:
    parsed = parse_verdict(text)
    assert parsed.verdict in (None, "good", "bad")
