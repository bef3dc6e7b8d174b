"""Null models: policies that write no greeting worth the name. Every judge must rank them last.

``null/empty`` answers nothing, ``null/constant`` always the same stock line, ``null/echo`` repeats the request.
They run through Inspect like any model (``--model null/echo``), so the same tasks, judges and leaderboards
apply to them.
"""

from __future__ import annotations

from typing import Any

from inspect_ai.model import (
    ChatMessage,
    ChatMessageUser,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

NULL_PROVIDER = "null"
CONSTANT_GREETING = "祝你一切都好！"
"""What ``null/constant`` says to every request: polite, generic, addressed to nobody."""

NULL_MODELS = (f"{NULL_PROVIDER}/empty", f"{NULL_PROVIDER}/constant", f"{NULL_PROVIDER}/echo")


def null_response(name: str, messages: list[ChatMessage]) -> str:
    """What the null model ``name`` answers to ``messages``.

    Args:
        name: ``empty``, ``constant`` or ``echo``.
        messages: The conversation; ``echo`` repeats the text of the last user message.

    Raises:
        ValueError: For any other name.
    """
    if name == "empty":
        return ""
    if name == "constant":
        return CONSTANT_GREETING
    if name == "echo":
        users = [m for m in messages if isinstance(m, ChatMessageUser)]
        return users[-1].text if users else ""
    raise ValueError(f"unknown null model {name!r}: choose from {', '.join(NULL_MODELS)}")


class NullModelAPI(ModelAPI):
    """Inspect model API for the null models; usage is counted in characters (no tokenizer, no network)."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),  # noqa: B008 (Inspect's own signature)
        **model_args: Any,
    ) -> None:
        null_response(model_name, [])  # reject unknown names now, not at the first sample
        super().__init__(model_name, base_url, api_key, [], config)

    async def generate(
        self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice, config: GenerateConfig
    ) -> ModelOutput:
        text = null_response(self.model_name, input)
        output = ModelOutput.from_content(model=f"{NULL_PROVIDER}/{self.model_name}", content=text)
        prompt_chars = sum(len(m.text) for m in input)
        output.usage = ModelUsage(
            input_tokens=prompt_chars, output_tokens=len(text), total_tokens=prompt_chars + len(text)
        )
        return output


@modelapi(name=NULL_PROVIDER)
def null() -> type[ModelAPI]:
    """The ``null/`` provider."""
    return NullModelAPI
