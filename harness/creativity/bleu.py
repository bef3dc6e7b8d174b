"""Character-level self-BLEU: how much a set of texts repeat each other."""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence

from harness.creativity.ngrams import _check_order, _ngrams, segments


def self_bleu(texts: Sequence[str], max_n: int = 4, sample: int | None = None, seed: int = 0) -> float:
    """Character-level self-BLEU: the mean BLEU of each text against all the other texts as references.

    Higher means the texts repeat each other (less diverse). BLEU here is the standard multi-reference
    sentence BLEU with uniform weights over orders 1..``max_n``:

    - clipped counts: an n-gram of the hypothesis counts at most as often as it occurs in the single
      reference where it is most frequent;
    - smoothing (add-one, "BLEU+1", Lin & Och 2004): for orders >= 2 the precision is
      ``(clipped + 1) / (total + 1)``; the unigram precision is not smoothed, and a hypothesis sharing no
      character with any reference scores 0. A hypothesis with no n-gram of some order (shorter than it)
      thus gets precision 1 at that order, and is penalised by the brevity penalty instead;
    - brevity penalty ``exp(1 - r / c)`` when ``c <= r`` (else 1), with ``c`` the hypothesis's counted
      length and ``r`` the closest reference length (the shorter on a tie).

    Texts with no counted character (empty, or punctuation only) are left out, as hypotheses and as references.

    The cost is linear in the total number of n-grams: the n-gram counts of every text are computed once, and
    for each n-gram the largest count, how many texts reach it and the second-largest count are kept, so
    "the largest count among the *other* texts" is O(1) per n-gram.

    Args:
        texts: The set of texts.
        max_n: The highest n-gram order, >= 1.
        sample: If given and smaller than the number of usable texts, average over this many hypotheses drawn
            without replacement (each still scored against all the other texts); None scores every text.
        seed: Seed of the hypothesis sample.

    Returns:
        Self-BLEU in [0, 1]; nan with fewer than two usable texts.
    """
    _check_order(max_n)
    docs = [segs for segs in (segments(text) for text in texts) if segs]
    if len(docs) < 2:
        return math.nan
    lengths = [sum(map(len, segs)) for segs in docs]
    counts = [[Counter(_ngrams(segs, n)) for n in range(1, max_n + 1)] for segs in docs]
    tops = [_top_counts(doc_counts[order] for doc_counts in counts) for order in range(max_n)]
    closest = _closest_other_length(lengths)

    hypotheses: Sequence[int] = range(len(docs))
    if sample is not None and sample < len(docs):
        hypotheses = random.Random(seed).sample(range(len(docs)), sample)
    total = 0.0
    for i in hypotheses:
        log_sum = 0.0
        for order in range(max_n):
            best, n_best, second = tops[order]
            clipped = hyp_total = 0
            for gram, count in counts[i][order].items():
                top = best[gram]
                others = second.get(gram, 0) if count == top and n_best[gram] == 1 else top
                clipped += count if count < others else others
                hyp_total += count
            if order == 0:
                if clipped == 0:
                    log_sum = -math.inf
                    break
                log_sum += math.log(clipped / hyp_total)
            else:
                log_sum += math.log((clipped + 1) / (hyp_total + 1))
        if log_sum == -math.inf:
            continue  # BLEU 0
        c, r = lengths[i], closest[i]
        penalty = 1.0 if c > r else math.exp(1 - r / c)
        total += penalty * math.exp(log_sum / max_n)
    return total / len(hypotheses)


def _top_counts(counters: Iterable[Counter[str]]) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """For each n-gram: its largest count in one text, how many texts reach it, and the second-largest count."""
    best: dict[str, int] = {}
    n_best: dict[str, int] = {}
    second: dict[str, int] = {}
    for counter in counters:
        for gram, count in counter.items():
            top = best.get(gram, 0)
            if count > top:
                if top:
                    second[gram] = top
                best[gram] = count
                n_best[gram] = 1
            elif count == top:
                n_best[gram] += 1
            elif count > second.get(gram, 0):
                second[gram] = count
    return best, n_best, second


def _closest_other_length(lengths: list[int]) -> list[int]:
    """For each text, the length among the *other* texts closest to its own (the shorter on a tie)."""
    frequency = Counter(lengths)
    distinct = sorted(frequency)
    closest = []
    for length in lengths:
        if frequency[length] > 1:
            closest.append(length)
            continue
        k = bisect_left(distinct, length)
        candidates = [distinct[j] for j in (k - 1, k + 1) if 0 <= j < len(distinct)]
        closest.append(min(candidates, key=lambda other: (abs(other - length), other)))
    return closest
