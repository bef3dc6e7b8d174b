"""Every creativity figure of a set of responses at once, as the ``creativity`` scorer logs them."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from harness.creativity.bleu import self_bleu
from harness.creativity.cliches import cliche_count
from harness.creativity.distinct import distinct_n
from harness.creativity.ngrams import char_length
from harness.creativity.novelty import NoveltyIndex

#: The keys of :func:`corpus_creativity` and of the ``creativity`` scorer's metrics, in log order.
#: ``mean_novelty`` is present only when a novelty index is available.
CREATIVITY_FIGURES = (
    "mean_length",
    "mean_cliches",
    "cliche_rate",
    "mean_novelty",
    "distinct_1",
    "distinct_2",
    "self_bleu",
)


def corpus_creativity(
    texts: Sequence[str], novelty_index: NoveltyIndex | None = None, phrases: Sequence[str] | None = None
) -> dict[str, float]:
    """Every creativity figure of a set of responses, as the ``creativity`` scorer logs them.

    Args:
        texts: The responses.
        novelty_index: The training responses' n-grams; None leaves ``mean_novelty`` out.
        phrases: The cliché phrases; None uses the bundled list.

    Returns:
        ``mean_length`` (mean :func:`char_length`), ``mean_cliches`` (mean cliché count per text),
        ``cliche_rate`` (share of texts with >= 1 cliché), ``mean_novelty`` (mean over texts that have a 4-gram;
        only with an index), ``distinct_1``, ``distinct_2`` and ``self_bleu`` (all texts, max order 4). Means over
        no value are nan.
    """
    counts = [cliche_count(text, phrases) for text in texts]
    figures = {
        "mean_length": _mean(char_length(text) for text in texts),
        "mean_cliches": _mean(counts),
        "cliche_rate": _mean(count > 0 for count in counts),
    }
    if novelty_index is not None:
        figures["mean_novelty"] = _mean(novelty_index.novelty(text) for text in texts)
    figures["distinct_1"] = distinct_n(texts, 1)
    figures["distinct_2"] = distinct_n(texts, 2)
    figures["self_bleu"] = self_bleu(texts)
    return figures


def _mean(values: Iterable[float]) -> float:
    """Mean of the values that are not nan; nan when none is left."""
    kept = [float(v) for v in values if not (isinstance(v, float) and math.isnan(v))]
    return sum(kept) / len(kept) if kept else math.nan
