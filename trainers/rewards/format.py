"""The format reward: one greeting and nothing else (no second line, no meta text, no list, no template debris).

The policy is asked ``请只生成一条祝福语：...`` (generate exactly one greeting). Each rule below is a check; the reward
is the share of checks passed (1.0: a clean single greeting), so a completion that breaks one rule still ranks
above one that breaks three. An empty completion gets 0.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from trainers.rewards.base import RewardSpec, log_metrics
from trainers.rewards.texts import completion_text

META_PREFIXES = (
    *("好的", "当然", "以下是", "下面是", "这是一条", "这是", "为您", "给您"),
    *("sure", "here", "certainly", "okay"),
)
"""Openings of text about the greeting rather than the greeting (compared lower-cased, after stripping)."""

META_PATTERN = re.compile(r"祝福语[：:]|希望这|如果您|如有需要|需要修改|assistant|user", re.IGNORECASE)
"""Phrases that label or comment on the greeting, or leak a chat role."""

LIST_PATTERN = re.compile(r"^\s*(?:\d+[.、)]|[-*•]\s|#+\s)", re.MULTILINE)
"""A numbered or bulleted item, or a markdown heading: several greetings, or a formatted answer."""

DEBRIS_PATTERN = re.compile(r"<\|[a-z_]+\|>|\*\*|```")
"""Chat-template tokens written as text, markdown bold, code fences."""


def _single_line(text: str) -> bool:
    return "\n" not in text


def _no_meta(text: str) -> bool:
    return not text.lower().startswith(META_PREFIXES) and not META_PATTERN.search(text)


def _no_list(text: str) -> bool:
    return not LIST_PATTERN.search(text)


def _no_debris(text: str) -> bool:
    return not DEBRIS_PATTERN.search(text)


FORMAT_CHECKS: dict[str, Callable[[str], bool]] = {
    "single_line": _single_line,
    "no_meta_text": _no_meta,
    "no_list": _no_list,
    "no_debris": _no_debris,
}
"""Check name -> predicate on the stripped, non-empty completion text."""


@dataclass
class FormatRewardSpec(RewardSpec):
    """``{kind: format}``: the share of :data:`FORMAT_CHECKS` a completion passes (no options besides weight)."""


def format_failures(text: str) -> list[str]:
    """The names of the checks ``text`` fails; ``["empty"]`` for an empty or blank completion."""
    stripped = text.strip()
    if not stripped:
        return ["empty"]
    return [name for name, check in FORMAT_CHECKS.items() if not check(stripped)]


def format_value(text: str) -> float:
    """Share of :data:`FORMAT_CHECKS` passed; 0 for an empty completion."""
    failures = format_failures(text)
    if failures == ["empty"]:
        return 0.0
    return 1.0 - len(failures) / len(FORMAT_CHECKS)


class FormatReward:
    """TRL reward callable of a :class:`FormatRewardSpec` (sync, never None)."""

    def __init__(self, spec: FormatRewardSpec, name: str = "format") -> None:
        """Score with ``spec``; logged as ``name``."""
        self.spec = spec
        self.__name__ = name

    def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
        """One format term per completion; logs the share of clean completions as ``format/<name>/clean``."""
        values = [format_value(completion_text(c)) for c in completions]
        if values:
            log_metrics(kwargs, {f"format/{self.__name__}/clean": sum(v == 1.0 for v in values) / len(values)})
        return values
