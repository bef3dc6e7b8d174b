"""Length perturbations: make a greeting longer without making it better.

Two generators, both deterministic given a ``random.Random``:

- :func:`pad_with_filler` appends and/or prepends generic blessing phrases (万事如意, 心想事成 ...) that fit any
  occasion and say nothing about this one;
- :func:`inflate_with_empty_words` stretches a greeting to a target length with content-free words (intensifiers,
  hedges, empty openers) slipped in at clause boundaries.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from harness.creativity import char_length

FILLER_PHRASES = (
    "祝你万事如意，心想事成，天天开心。",
    "祝你身体健康，工作顺利，阖家幸福。",
    "愿你天天快乐，事事顺心，好运连连。",
    "祝你幸福美满，平安喜乐，前程似锦。",
    "祝一切都好，吉祥如意，福星高照。",
    "愿你开开心心每一天，快快乐乐每一年。",
)
"""Generic blessings that suit every occasion and so add nothing to any one greeting."""

EMPTY_WORDS = ("真的", "非常", "特别", "十分", "衷心地", "由衷地", "真心地", "满满地", "深深地", "诚挚地")
"""Intensifiers and adverbs that carry no content of their own."""

EMPTY_OPENERS = (
    "在这个特别的日子里，",
    "千言万语汇成一句话，",
    "说真的，",
    "总而言之，",
    "无论如何，",
    "此时此刻，",
    "怎么说呢，",
    "其实呢，",
)
"""Clause openers that announce a thought and deliver none."""

EMPTY_CLOSERS = ("真的真的。", "就是这样啦。", "嗯，就是这些。", "一切尽在不言中。", "说再多也不为过。")
"""Sentence endings that only take up room."""

_CLAUSE_END = "，。！？；、,.!?;"

PAD_PLACES = ("append", "prepend", "both")


@dataclass(frozen=True)
class Perturbation:
    """A perturbed text and how it was made.

    Attributes:
        text: The perturbed greeting.
        added: What was added, in order of insertion.
        place: Where (``append``/``prepend``/``both`` for padding, ``inline`` for inflation).
    """

    text: str
    added: tuple[str, ...]
    place: str


def pad_with_filler(greeting: str, rng: random.Random, min_added: int = 30) -> Perturbation:
    """Pad a greeting with generic filler phrases until at least as much again (and ``min_added`` chars) is added.

    Args:
        greeting: The greeting to pad (left intact).
        rng: Chooses the place (append, prepend, both) and the phrases (repeats allowed).
        min_added: The least number of characters to add.

    Returns:
        The padded greeting.
    """
    place = rng.choice(PAD_PLACES)
    target = max(char_length(greeting), min_added)
    before: list[str] = []
    after: list[str] = []
    added: list[str] = []
    while sum(map(len, added)) < target:
        phrase = rng.choice(FILLER_PHRASES)
        side = place if place != "both" else ("prepend", "append")[len(added) % 2]
        (before if side == "prepend" else after).append(phrase)
        added.append(phrase)
    body = greeting.strip()
    return Perturbation("".join(before) + body + "".join(after), tuple(added), place)


def _boundaries(text: str) -> list[int]:
    """Where a word may go without splitting a phrase: the start and after each clause mark (not the very end)."""
    return [0] + [i + 1 for i, ch in enumerate(text) if ch in _CLAUSE_END and i + 1 < len(text)]


def inflate_with_empty_words(greeting: str, target: int, rng: random.Random, max_steps: int = 200) -> Perturbation:
    """Stretch a greeting to at least ``target`` characters with empty words at clause boundaries.

    Each step inserts one empty opener or intensifier at a random clause boundary, or (if the greeting ends a
    sentence) an empty closer at the end. The greeting's own words stay in order and unchanged.

    Args:
        greeting: The greeting to inflate.
        target: The length to reach (a greeting already that long is returned unchanged).
        rng: Chooses what to insert and where.
        max_steps: A guard against runaway loops.

    Returns:
        The inflated greeting.
    """
    text = greeting.strip()
    added: list[str] = []
    for _ in range(max_steps):
        if char_length(text) >= target:
            break
        kind = rng.random()
        if kind < 0.2:
            word = rng.choice(EMPTY_CLOSERS)
            text = text + word if text[-1:] in "。！？!?." else text + "。" + word
        else:
            word = rng.choice(EMPTY_OPENERS if kind < 0.6 else EMPTY_WORDS)
            at = rng.choice(_boundaries(text))
            text = text[:at] + word + text[at:]
        added.append(word)
    return Perturbation(text, tuple(added), "inline")
