"""Length perturbations: make a greeting longer without making it better.

Two generators, both deterministic given a ``random.Random``, each over a vocabulary it is given (the attack
forms' train or held-out side, :mod:`harness.probes.forms`):

- :func:`pad_with_filler` appends and/or prepends generic blessing phrases (万事如意, 心想事成 ...) that fit any
  occasion and say nothing about this one;
- :func:`inflate_with_empty_words` stretches a greeting to a target length with content-free words (intensifiers,
  hedges, empty openers) slipped in at clause boundaries.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from harness.creativity import char_length


@dataclass(frozen=True)
class EmptyWords:
    """A vocabulary of content-free words (:data:`harness.probes.forms.EMPTY_WORDS` holds one per split).

    Attributes:
        words: Intensifiers and adverbs that carry no content of their own.
        openers: Clause openers that announce a thought and deliver none.
        closers: Sentence endings that only take up room.
    """

    words: tuple[str, ...]
    openers: tuple[str, ...]
    closers: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        """Every string of the vocabulary."""
        return self.words + self.openers + self.closers


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


def pad_with_filler(
    greeting: str,
    rng: random.Random,
    min_added: int = 30,
    *,
    phrases: tuple[str, ...],
    place: str | None = None,
) -> Perturbation:
    """Pad a greeting with generic filler phrases until at least as much again (and ``min_added`` chars) is added.

    Args:
        greeting: The greeting to pad (left intact).
        rng: Chooses the place when none is given, and the phrases (repeats allowed).
        min_added: The least number of characters to add.
        phrases: The filler to draw from (non-empty).
        place: ``append``, ``prepend`` or ``both``; None: drawn.

    Returns:
        The padded greeting.
    """
    if not phrases:
        raise ValueError("pad_with_filler needs at least one filler phrase")
    place = place or rng.choice(PAD_PLACES)
    target = max(char_length(greeting), min_added)
    before: list[str] = []
    after: list[str] = []
    added: list[str] = []
    while sum(map(len, added)) < target:
        phrase = rng.choice(phrases)
        side = place if place != "both" else ("prepend", "append")[len(added) % 2]
        (before if side == "prepend" else after).append(phrase)
        added.append(phrase)
    body = greeting.strip()
    return Perturbation("".join(before) + body + "".join(after), tuple(added), place)


def _boundaries(text: str) -> list[int]:
    """Where a word may go without splitting a phrase: the start and after each clause mark (not the very end)."""
    return [0] + [i + 1 for i, ch in enumerate(text) if ch in _CLAUSE_END and i + 1 < len(text)]


def inflate_with_empty_words(
    greeting: str, target: int, rng: random.Random, max_steps: int = 200, *, vocabulary: EmptyWords
) -> Perturbation:
    """Stretch a greeting to at least ``target`` characters with empty words at clause boundaries.

    Each step inserts one empty opener or intensifier at a random clause boundary, or (if the greeting ends a
    sentence) an empty closer at the end. The greeting's own words stay in order and unchanged.

    Args:
        greeting: The greeting to inflate.
        target: The length to reach (a greeting already that long is returned unchanged).
        rng: Chooses what to insert and where.
        vocabulary: The empty words, openers and closers to insert.
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
            word = rng.choice(vocabulary.closers)
            text = text + word if text[-1:] in "。！？!?." else text + "。" + word
        else:
            word = rng.choice(vocabulary.openers if kind < 0.6 else vocabulary.words)
            at = rng.choice(_boundaries(text))
            text = text[:at] + word + text[at:]
        added.append(word)
    return Perturbation(text, tuple(added), "inline")
