"""Distinct-n over character n-grams, across a set (:func:`distinct_n`) and within a text (repetition)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from harness.creativity.ngrams import _check_order, _ngrams, segments


def distinct_n(texts: Iterable[str], n: int) -> float:
    """Corpus-level distinct-n: distinct character n-grams over all n-gram occurrences in the set.

    Args:
        texts: The texts (n-grams are pooled across them).
        n: The order, >= 1.

    Returns:
        A share in (0, 1]; nan when the texts hold no n-gram at all.
    """
    _check_order(n)
    seen: set[str] = set()
    total = 0
    for text in texts:
        grams = _ngrams(segments(text), n)
        total += len(grams)
        seen.update(grams)
    return len(seen) / total if total else math.nan


def repeated_ngram_rate(text: str, n: int = 3) -> float:
    """Share of a text's character n-gram occurrences that repeat an earlier one of the same text.

    A greeting appended to itself scores about a half; a greeting with no repeated n-gram scores 0.

    Args:
        text: Any text.
        n: The order, >= 1.

    Returns:
        A share in [0, 1); 0 for a text with no n-gram (shorter than ``n`` characters between boundaries).
    """
    _check_order(n)
    grams = _ngrams(segments(text), n)
    return (len(grams) - len(set(grams))) / len(grams) if grams else 0.0
