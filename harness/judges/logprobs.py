"""P(good): the judge's probability of "good" at its verdict token, read from the provider's logprobs.

The parser says where the verdict word sits in the output (:attr:`ParsedVerdict.span`); the token that begins it
carries the provider's top alternatives. P(good) is the probability mass of the alternatives that begin a good
word (``good``, ``好``) over the mass of those that begin a good or a bad word (``bad``, ``不好``, ``差``): a
score in [0, 1] that gives an LLM judge an AUC, a threshold fit on dev rows and a dense reward.

It is None (with the reason) when the provider gave no logprobs, when the logprob tokens do not spell the
output, or when no alternative at that position begins a verdict word.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from inspect_ai.model import GenerateConfig, Logprob, ModelOutput

from harness.judges.verdict import VERDICT_FORMAT, ChoiceFormat
from harness.models.tokens import token_bytes

TOP_LOGPROBS = 20
"""Alternatives asked for at each token (OpenAI's maximum; enough to hold both verdict words)."""

LOGPROBS = GenerateConfig(logprobs=True, top_logprobs=TOP_LOGPROBS)
"""Merge into a judge's generation settings to get P(good)."""


@dataclass(frozen=True)
class VerdictProbability:
    """P(good) at the verdict token, or why there is none.

    Attributes:
        p_good: Probability of good, normalised over the good and bad alternatives; None when unavailable.
        missing: Why ``p_good`` is None (None when it is present).
    """

    p_good: float | None
    missing: str | None = None


def _side(text: str, form: ChoiceFormat) -> str | None:
    """What ``text`` means when it begins one of ``form``'s words (or is a prefix of one), else None."""
    word = text.lstrip().lower()
    if not word:
        return None
    for accepted, meaning in form.words.items():
        if accepted.startswith(word):
            return meaning
        if word.startswith(accepted) and not word[len(accepted) : len(accepted) + 1].isalnum():
            return meaning
    return None


def _token(step: Logprob) -> bytes:
    return token_bytes(step.token, step.bytes)


def verdict_probability(output: ModelOutput, span: tuple[int, int] | None) -> VerdictProbability:
    """P(good) at the token where the verdict word at ``span`` begins.

    Args:
        output: The judge's output, with logprobs when the provider gave them.
        span: Character offsets of the verdict word in ``output.completion`` (from the parser); None when the
            output had no verdict.

    Returns:
        The probability, or None with the reason.
    """
    return choice_probability(output, span, VERDICT_FORMAT, "good")


def choice_probability(
    output: ModelOutput, span: tuple[int, int] | None, form: ChoiceFormat, positive: str
) -> VerdictProbability:
    """P(``positive``) at the token where the answer word at ``span`` begins, over the answers of ``form``.

    With two meanings (good/bad, A/B) this is the positive one's share of the mass of the alternatives that
    begin an accepted word; alternatives that begin no accepted word are left out.
    """
    if span is None:
        return VerdictProbability(None, "no verdict to read a probability at")
    choice = output.choices[0] if output.choices else None
    if choice is None or choice.logprobs is None or not choice.logprobs.content:
        return VerdictProbability(None, "the provider returned no logprobs")
    target = len(output.completion[: span[0]].encode("utf-8"))
    spelled = output.completion.encode("utf-8")
    position = 0
    for step in choice.logprobs.content:
        piece = _token(step)
        if spelled[position : position + len(piece)] != piece[: len(spelled) - position]:
            break
        if position + len(piece) > target:
            return _at(step, spelled[position:target], form, positive)
        position += len(piece)
    return VerdictProbability(None, "the logprob tokens do not spell the judge output")


def _at(step: Logprob, lead: bytes, form: ChoiceFormat, positive: str) -> VerdictProbability:
    """P(``positive``) from one position's alternatives, each read after the bytes ``lead`` before the answer."""
    alternatives = [(token_bytes(alt.token, alt.bytes), alt.logprob) for alt in step.top_logprobs or []]
    if not alternatives:
        alternatives = [(_token(step), step.logprob)]
    mass = dict.fromkeys(form.words.values(), 0.0)
    for piece, logprob in alternatives:
        if not piece.startswith(lead):
            continue
        side = _side(piece[len(lead) :].decode("utf-8", errors="ignore"), form)
        if side is not None and math.isfinite(logprob):
            mass[side] += math.exp(logprob)
    total = sum(mass.values())
    if total <= 0.0:
        return VerdictProbability(None, "no accepted answer word among the alternatives at the answer token")
    return VerdictProbability(mass[positive] / total)
