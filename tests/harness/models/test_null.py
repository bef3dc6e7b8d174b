import asyncio

import pytest
from inspect_ai.model import ChatMessageSystem, ChatMessageUser, get_model

import tasks._registry  # noqa: F401  (the entry point registers the null/ provider)
from harness.models.null import CONSTANT_GREETING, NULL_MODELS

REQUEST = "请只生成一条祝福语：生日"


@pytest.mark.parametrize(
    ("name", "expected"), [("null/empty", ""), ("null/constant", CONSTANT_GREETING), ("null/echo", REQUEST)]
)
def test_null_models_answer(name: str, expected: str) -> None:
    model = get_model(name)
    messages = [ChatMessageSystem(content="system"), ChatMessageUser(content=REQUEST)]
    output = asyncio.run(model.generate(messages))
    assert output.completion == expected
    assert output.usage is not None and output.usage.output_tokens == len(expected)


def test_unknown_null_model() -> None:
    with pytest.raises(ValueError, match="null/echo"):
        get_model("null/nonsense")


def test_all_listed() -> None:
    assert NULL_MODELS == ("null/empty", "null/constant", "null/echo")
