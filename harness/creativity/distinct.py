"""Corpus-level distinct-n over character n-grams."""

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
