"""What a reward reads from TRL's arguments: the greeting text of a completion and the bare request of a prompt.

TRL hands rewards ``prompts`` and ``completions`` either as plain strings or, for conversational data (ours), as
lists of ``{"role", "content"}`` messages. The greetbench GRPO dataset also carries a ``query`` column (the bare
request, without ``请只生成一条祝福语：``), which TRL passes to every reward as the ``query`` keyword.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.data import strip_policy_prefix


def completion_text(completion: Any) -> str:
    """The generated text: a string as is; for messages, the last assistant message's content (else the last's).

    Edge cases: an empty message list, or content that is not a string, gives ``""``.
    """
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Sequence) and completion:
        messages = [m for m in completion if isinstance(m, dict)]
        replies = [m for m in messages if m.get("role") == "assistant"] or messages
        content = replies[-1].get("content") if replies else None
        return content if isinstance(content, str) else ""
    return ""


def prompt_query(prompt: Any) -> str:
    """The bare request of a prompt: the last user message (or the string) without the policy-prompt prefix."""
    if isinstance(prompt, str):
        return strip_policy_prefix(prompt)
    if isinstance(prompt, Sequence):
        users = [m for m in prompt if isinstance(m, dict) and m.get("role") == "user"]
        if users and isinstance(users[-1].get("content"), str):
            return strip_policy_prefix(users[-1]["content"])
    return ""


def batch_queries(prompts: Sequence[Any], query: Sequence[str] | None = None) -> list[str]:
    """One bare request per completion: the ``query`` column when TRL passed it, else read from each prompt."""
    if query is not None and len(query) == len(prompts):
        return [str(q) for q in query]
    return [prompt_query(prompt) for prompt in prompts]
