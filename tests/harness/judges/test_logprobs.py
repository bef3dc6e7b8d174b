import math

import pytest
from inspect_ai.model import ChatCompletionChoice, ChatMessageAssistant, Logprob, Logprobs, ModelOutput, TopLogprob

from harness.judges.logprobs import verdict_probability
from harness.judges.verdict import parse_verdict


def _output(steps: list[tuple[str, list[tuple[str, float]]]]) -> ModelOutput:
    """An output whose tokens are ``steps`` (text, alternatives as (text, probability))."""
    content = [
        Logprob(
            token=text,
            logprob=math.log(dict(alts).get(text, 1.0)),
            bytes=list(text.encode()),
            top_logprobs=[TopLogprob(token=t, logprob=math.log(p), bytes=list(t.encode())) for t, p in alts],
        )
        for text, alts in steps
    ]
    text = "".join(t for t, _ in steps)
    return ModelOutput(
        model="m",
        choices=[ChatCompletionChoice(message=ChatMessageAssistant(content=text), logprobs=Logprobs(content=content))],
    )


def _p(output: ModelOutput) -> float | None:
    return verdict_probability(output, parse_verdict(output.completion).span).p_good


def test_bare_word_probability_is_normalised_over_verdict_words() -> None:
    output = _output([("good", [("good", 0.6), ("bad", 0.2), ("The", 0.2)])])
    assert _p(output) == pytest.approx(0.75)


def test_json_verdict_is_read_at_its_own_token() -> None:
    steps = [
        ('{"', [('{"', 1.0)]),
        ("verdict", [("verdict", 1.0)]),
        ('":', [('":', 1.0)]),
        (' "', [(' "', 1.0)]),
        ("bad", [("bad", 0.7), ("good", 0.1), ("不", 0.1), ("ok", 0.1)]),
        ('"}', [('"}', 1.0)]),
    ]
    assert _p(_output(steps)) == pytest.approx(0.1 / 0.9)


def test_a_token_that_starts_before_the_verdict_is_read_after_its_lead() -> None:
    steps = [('{"verdict": ', [('{"verdict": ', 1.0)]), ('"good', [('"good', 0.5), ('"bad', 0.5), ("good", 0.3)])]
    steps.append(('"}', [('"}', 1.0)]))
    # "good" without the quote is another continuation, not the verdict at this position.
    assert _p(_output(steps)) == pytest.approx(0.5)


def test_chinese_words_and_partial_tokens_count() -> None:
    output = _output([("好", [("好", 0.3), ("不", 0.3), ("差", 0.2), ("好的", 0.2)])])
    assert _p(output) == pytest.approx(0.3 / 0.8)  # "好的" is "OK", not a verdict


@pytest.mark.parametrize(
    ("output", "why"),
    [
        (ModelOutput.from_content("m", "good"), "no logprobs"),
        (_output([("this is prose", [("this is prose", 1.0)])]), "no verdict"),
        (_output([("good", [("ok", 0.5), ("fine", 0.5), ("good", 1e-9)])]), None),
    ],
)
def test_missing_probability_says_why(output: ModelOutput, why: str | None) -> None:
    result = verdict_probability(output, parse_verdict(output.completion).span)
    if why is None:  # a verdict word with almost no mass still gives a probability: all of it good
        assert result.p_good == pytest.approx(1.0)
    else:
        assert result.p_good is None
        assert why in result.missing or (why == "no verdict" and "accepted" in result.missing)


def test_tokens_that_do_not_spell_the_output_give_no_probability() -> None:
    output = _output([("good", [("good", 1.0)])])
    output.completion = "bad"  # the provider reported other text than its tokens spell
    result = verdict_probability(output, parse_verdict("bad").span)
    assert result.p_good is None and "spell" in result.missing
