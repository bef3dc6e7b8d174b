"""A judge call that fails or times out makes the item unscored: never a verdict, never a P(good)."""

from __future__ import annotations

import asyncio

import httpx
import openai
import pytest
from inspect_ai.model import GenerateConfig, get_model

from harness.judges.debate import DebateModels, debate_judgement
from harness.judges.pairwise import judge_pair
from harness.judges.principle import judge_with_principles
from harness.principles import DEFAULT_PRINCIPLES, load_principles

REQUEST = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")

FAILURES = {
    "timeout": lambda: openai.APITimeoutError(request=REQUEST),
    "refused": lambda: openai.APIConnectionError(request=REQUEST),
    "server error": lambda: openai.InternalServerError(
        "boom", response=httpx.Response(500, request=REQUEST), body=None
    ),
    "os timeout": lambda: TimeoutError("read timed out"),
}


def _failing_model(make_error):  # noqa: ANN001, ANN202
    def outputs(*_args: object, **_kwargs: object):  # noqa: ANN202
        raise make_error()

    return get_model("mockllm/model", custom_outputs=outputs, config=GenerateConfig(max_retries=0))


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_principle_judge_leaves_a_failed_call_unscored(failure: str) -> None:
    model = _failing_model(FAILURES[failure])
    rules = load_principles(DEFAULT_PRINCIPLES)
    for reason in (True, False):
        judged = judge_with_principles(model, "给妈妈的生日祝福", "妈妈生日快乐！", rules, reason=reason)
        judgement = asyncio.run(judged)
        assert judgement.verdict is None and judgement.value is None
        assert judgement.p_good is None
        assert "judge call failed" in judgement.reason and judgement.call_failed


def test_debate_leaves_a_failed_agent_call_unscored() -> None:
    model = _failing_model(FAILURES["timeout"])
    models = DebateModels(positive=model, negative=model, judge=model, reflect=model)
    judgement = asyncio.run(debate_judgement(models, "给妈妈的生日祝福", "妈妈生日快乐！", examples=None))
    assert judgement.verdict is None and judgement.value is None
    assert "judge call failed" in judgement.reason


def test_pairwise_leaves_a_failed_call_without_a_winner() -> None:
    judged = asyncio.run(judge_pair(_failing_model(FAILURES["refused"]), "祝福", "甲", "乙"))
    assert judged.a_first is None and judged.b_first is None


def test_a_programming_error_is_not_hidden_as_unscored() -> None:
    model = _failing_model(lambda: KeyError("bug"))
    rules = load_principles(DEFAULT_PRINCIPLES)
    with pytest.raises(KeyError):
        asyncio.run(judge_with_principles(model, "祝福", "生日快乐", rules))
