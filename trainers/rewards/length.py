"""The length reward: a term on the greeting's length in characters, to reward reaching a length or to penalise
running past one.

The reward-model data's chosen side is longer in 96% of pairs, so an RM reward pays for length; a ``length`` term
with a negative weight, or ``mode: overshoot``, is how a run counters that. ``mode: rule`` is the length judge
itself (:func:`harness.judges.length_judgement`: good iff at least ``target_chars`` characters).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from harness.creativity import char_length
from harness.data.checks import LENGTH_THRESHOLD
from harness.judges.baselines import length_judgement
from trainers.rewards.base import RewardSpec, log_metrics
from trainers.rewards.texts import completion_text

LengthMode = Literal["rule", "ramp", "overshoot"]


@dataclass
class LengthRewardSpec(RewardSpec):
    """``{kind: length}``.

    Attributes:
        mode: ``rule``: 1 if the greeting has at least ``target_chars`` characters, else 0 (the length judge);
            ``ramp``: ``min(chars / target_chars, 1)``; ``overshoot``: ``-max(chars - target_chars, 0) /
            target_chars`` (0 up to the target, then more negative the longer).
        target_chars: The length in characters (surrounding whitespace not counted); default the length rule's
            cut, 39.
    """

    mode: LengthMode = "ramp"
    target_chars: int = LENGTH_THRESHOLD

    def __post_init__(self) -> None:
        """Check values that no type can express."""
        if self.target_chars < 1:
            raise ValueError(f"target_chars must be at least 1, got {self.target_chars}")


def length_value(text: str, mode: LengthMode, target_chars: int) -> float:
    """The length term of one greeting (see :class:`LengthRewardSpec`). An empty greeting is 0 chars."""
    if mode == "rule":
        return float(length_judgement(text, target_chars).value or 0.0)
    chars = char_length(text)
    if mode == "ramp":
        return min(chars / target_chars, 1.0)
    return -max(chars - target_chars, 0) / target_chars


class LengthReward:
    """TRL reward callable of a :class:`LengthRewardSpec` (sync, never None)."""

    def __init__(self, spec: LengthRewardSpec, name: str = "length") -> None:
        """Score with ``spec``; logged as ``name``."""
        self.spec = spec
        self.__name__ = name

    def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
        """One length term per completion; logs the mean character count as ``length/<name>/chars``."""
        texts = [completion_text(c) for c in completions]
        if texts:
            log_metrics(kwargs, {f"length/{self.__name__}/chars": sum(map(char_length, texts)) / len(texts)})
        return [length_value(text, self.spec.mode, self.spec.target_chars) for text in texts]
