"""Helpers of the GRPO tests: scripted judges (mockllm and an async slow model) and a reward a tiny policy learns.

Every mock output sets ``usage`` (tests/mocks.py): without it Inspect counts tokens with tiktoken, which downloads.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any

from inspect_ai.model import ChatMessage, GenerateConfig, ModelAPI, ModelOutput, modelapi
from mocks import mock_output

GREETING_BLOCK = re.compile(r"<greeting>\n(.*?)\n</greeting>", re.DOTALL)

GOOD_MARK = "祝"
"""The scripted judge says good to a greeting holding this character, bad otherwise."""

UNREADABLE_MARK = "乱"
"""... and answers something no parser reads (unscored) for a greeting holding this one."""

SLOW_MARK = "慢"
"""The slow judge sleeps :data:`SLOW_SECONDS` before answering a greeting holding this one."""

SLOW_SECONDS = 30.0


def judged_greeting(messages: Sequence[ChatMessage]) -> str:
    """The greeting inside the principle judge's prompt (the defended prompt's ``<greeting>`` block)."""
    match = GREETING_BLOCK.search(messages[-1].text)
    return match.group(1) if match else messages[-1].text


def scripted_verdict(greeting: str) -> str:
    """``good`` / ``bad`` / unreadable, by the marks above."""
    if UNREADABLE_MARK in greeting:
        return "我无法判断。"
    return "good" if GOOD_MARK in greeting else "bad"


def scripted_judge(messages: list[ChatMessage], tools: Any, tool_choice: Any, config: GenerateConfig) -> ModelOutput:
    """A mockllm ``custom_outputs`` callable: the scripted verdict, usage set."""
    return mock_output(scripted_verdict(judged_greeting(messages)))


ALWAYS_SLOW = "slow"
"""``slowjudge/slow`` sleeps before every answer."""

ALWAYS_UNREADABLE = "garbled"
"""``slowjudge/garbled`` never gives a readable verdict."""


@modelapi(name="slowjudge")
def slow_judge_api() -> type[ModelAPI]:
    """``slowjudge/<name>``: the scripted verdict, after an ``await asyncio.sleep`` for greetings with
    :data:`SLOW_MARK` (a model call that a timeout must cut, without blocking the event loop); ``slowjudge/slow``
    sleeps always and ``slowjudge/garbled`` is never readable. Usable by name from a YAML config."""

    class SlowJudge(ModelAPI):
        def __init__(self, model_name: str, base_url: str | None = None, api_key: str | None = None, **kwargs: Any):
            super().__init__(model_name, base_url, api_key, [], GenerateConfig())

        async def generate(self, input: list[ChatMessage], tools: Any, tool_choice: Any, config: GenerateConfig):
            greeting = judged_greeting(input)
            if SLOW_MARK in greeting or self.model_name == ALWAYS_SLOW:
                await asyncio.sleep(SLOW_SECONDS)
            if self.model_name == ALWAYS_UNREADABLE:
                return mock_output("嗯……")
            return mock_output(scripted_verdict(greeting))

    return SlowJudge


def zhu_share(prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float]:
    """A reward a tiny random policy can learn: the share of ``祝`` among the completion's characters."""
    from trainers.rewards import completion_text

    texts = [completion_text(c) for c in completions]
    return [text.count(GOOD_MARK) / max(len(text), 1) for text in texts]


def query_length(
    prompts: Sequence[Any], completions: Sequence[Any], query: Sequence[str], **kwargs: Any
) -> list[float]:
    """The length of the request each completion answers (what a reward sees of it; 0 for an empty one)."""
    return [float(len(q)) for q in query]
