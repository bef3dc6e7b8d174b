"""Scripted mockllm outputs for tests. Usage is always set: without it Inspect counts tokens with tiktoken,
which downloads a file."""

from __future__ import annotations

from inspect_ai.model import ModelOutput, ModelUsage


def mock_output(text: str) -> ModelOutput:
    """A mockllm output with usage set."""
    output = ModelOutput.from_content(model="mockllm", content=text)
    tokens = max(1, len(text))
    output.usage = ModelUsage(input_tokens=10, output_tokens=tokens, total_tokens=10 + tokens)
    return output
