"""Creativity and form measures of greetings that need no model: distinct-n, self-BLEU, novelty against the
training responses, and stock-phrase (cliché) counts; plain functions, an Inspect scorer and its metrics.

**What is counted.** Every n-gram measure here works on characters, not tokens. A text is split into *segments*:
maximal runs of alphanumeric characters (``str.isalnum``: CJK ideographs, letters, digits), lower-cased.
Punctuation, whitespace, emoji and other symbols are not counted and act as boundaries: an n-gram never spans
them, so ``快乐，幸福`` has the 2-grams 快乐 and 幸福 but not 乐幸. The length used by self-BLEU's brevity
penalty is the number of counted characters. (The scorer's ``length`` field is different: it is
:func:`char_length`, every character of the stripped response.)

**Clichés** are exact, non-overlapping substring matches of the phrases in ``harness/cliches.txt`` on the raw
response (leftmost match first; at one position the longest phrase wins). The per-text figure is the count; the
corpus figures are the mean count per text (``mean_cliches``) and the share of texts with at least one cliché
(``cliche_rate``).

One measure per module: :mod:`.ngrams` (what is counted), :mod:`.distinct`, :mod:`.bleu` (self-BLEU),
:mod:`.novelty`, :mod:`.cliches`, :mod:`.corpus` (all figures of a set), :mod:`.scorer` (the Inspect scorer and
its metrics). Every public name is re-exported here.
"""

from harness.creativity.bleu import (
    self_bleu,
)
from harness.creativity.cliches import (
    CLICHES_RESOURCE,
    cliche_count,
    cliche_rate,
    load_cliches,
)
from harness.creativity.corpus import (
    CREATIVITY_FIGURES,
    corpus_creativity,
)
from harness.creativity.distinct import (
    distinct_n,
    repeated_ngram_rate,
)
from harness.creativity.ngrams import (
    char_length,
    char_ngrams,
    segments,
)
from harness.creativity.novelty import (
    NOVELTY_N,
    NoveltyIndex,
)
from harness.creativity.scorer import (
    cliche_rate_metric,
    creativity,
    distinct_1,
    distinct_2,
    mean_cliches,
    mean_length,
    mean_novelty,
    self_bleu_metric,
)

__all__ = [
    "CLICHES_RESOURCE",
    "CREATIVITY_FIGURES",
    "NOVELTY_N",
    "NoveltyIndex",
    "char_length",
    "char_ngrams",
    "cliche_count",
    "cliche_rate",
    "cliche_rate_metric",
    "corpus_creativity",
    "creativity",
    "distinct_1",
    "distinct_2",
    "distinct_n",
    "repeated_ngram_rate",
    "load_cliches",
    "mean_cliches",
    "mean_length",
    "mean_novelty",
    "segments",
    "self_bleu",
    "self_bleu_metric",
]
