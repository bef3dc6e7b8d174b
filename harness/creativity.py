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
"""

from __future__ import annotations

import math
import random
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from pathlib import Path

from inspect_ai.scorer import Metric, SampleScore, Score, Scorer, Target, metric, scorer
from inspect_ai.solver import TaskState

from harness.data import DataError, DataFiles, load_preference_pairs, load_sft_examples, resolve_data_dir

#: The n-gram order of the novelty measure.
NOVELTY_N = 4

#: The bundled cliché list, a package resource of ``harness``.
CLICHES_RESOURCE = "cliches.txt"

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

_SEGMENT = re.compile(r"[^\W_]+")  # runs of alphanumeric characters (\w without the underscore)


# ---------------------------------------------------------------------------------------------------------------
# Characters and n-grams


def char_length(text: str) -> int:
    """Length in characters (not tokens, not bytes) of the text without surrounding whitespace."""
    return len(text.strip())


def segments(text: str) -> list[str]:
    """Split ``text`` into lower-cased runs of alphanumeric characters; everything else is a boundary.

    Args:
        text: Any text.

    Returns:
        The runs in order (empty for a text with no letters, digits or ideographs).
    """
    return _SEGMENT.findall(text.lower())


def char_ngrams(text: str, n: int) -> list[str]:
    """Return the character n-grams of ``text`` in order, never spanning punctuation or whitespace.

    Args:
        text: Any text.
        n: The order, >= 1.

    Returns:
        One string per n-gram occurrence (a segment shorter than ``n`` contributes none).
    """
    _check_order(n)
    return _ngrams(segments(text), n)


def _ngrams(segs: list[str], n: int) -> list[str]:
    return [seg[i : i + n] for seg in segs for i in range(len(seg) - n + 1)]


def _check_order(n: int) -> None:
    if n < 1:
        raise ValueError(f"n-gram order must be >= 1, got {n}")


# ---------------------------------------------------------------------------------------------------------------
# distinct-n


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


# ---------------------------------------------------------------------------------------------------------------
# self-BLEU


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


# ---------------------------------------------------------------------------------------------------------------
# novelty


class NoveltyIndex:
    """The character n-grams (default 4-grams) of the training responses, for :meth:`novelty`.

    Args:
        texts: The training responses.
        n: The n-gram order.
    """

    def __init__(self, texts: Iterable[str], n: int = NOVELTY_N) -> None:
        _check_order(n)
        self.n = n
        grams: set[str] = set()
        for text in texts:
            grams.update(_ngrams(segments(text), n))
        self.grams: frozenset[str] = frozenset(grams)

    @classmethod
    def from_data_dir(cls, root: str | Path | None = None, n: int = NOVELTY_N) -> NoveltyIndex:
        """Index the responses a policy may have been trained on: the SFT outputs and both sides (chosen and
        rejected) of the reward-model training pairs.

        Args:
            root: The data folder (upstream ``dataset/`` layout); None resolves it with
                :func:`harness.data.resolve_data_dir`.
            n: The n-gram order.

        Returns:
            The index.

        Raises:
            DataError: No data folder is given or resolvable, or a file is missing or malformed.
        """
        resolved = resolve_data_dir(root)
        if resolved is None:
            raise DataError(Path("."), "no data folder given, in $GREETBENCH_DATA_DIR or fetched")
        files = DataFiles(resolved)
        responses = [example.output for example in load_sft_examples(files.sft)]
        for pair in load_preference_pairs(files.rm_train):
            responses.extend((pair.chosen, pair.rejected))
        return cls(responses, n)

    def __len__(self) -> int:
        return len(self.grams)

    def novelty(self, text: str) -> float:
        """Share of the text's n-gram occurrences that occur nowhere in the training responses.

        Args:
            text: A response.

        Returns:
            A share in [0, 1]; nan when the text has no n-gram (no run of ``n`` counted characters).
        """
        grams = _ngrams(segments(text), self.n)
        if not grams:
            return math.nan
        return sum(1 for gram in grams if gram not in self.grams) / len(grams)


# ---------------------------------------------------------------------------------------------------------------
# clichés


def load_cliches(path: str | Path | None = None) -> tuple[str, ...]:
    """Read a cliché list: one phrase per line, ``#`` starts a comment, blank lines and repeats are dropped.

    Args:
        path: A UTF-8 text file; None reads the bundled ``harness/cliches.txt``.

    Returns:
        The phrases in file order.
    """
    if path is None:
        return _bundled_cliches()
    return _parse_cliches(Path(path).read_text(encoding="utf-8"))


@cache
def _bundled_cliches() -> tuple[str, ...]:
    return _parse_cliches(resources.files("harness").joinpath(CLICHES_RESOURCE).read_text(encoding="utf-8"))


def _parse_cliches(content: str) -> tuple[str, ...]:
    phrases = (line.split("#", 1)[0].strip() for line in content.splitlines())
    return tuple(dict.fromkeys(phrase for phrase in phrases if phrase))


@cache
def _cliche_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    # Longest first, so at one position the longest phrase wins; re.finditer never overlaps matches.
    return re.compile("|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)))


def cliche_count(text: str, phrases: Sequence[str] | None = None) -> int:
    """Count non-overlapping occurrences of stock phrases in ``text`` (exact substrings, leftmost first).

    Args:
        text: A response.
        phrases: The phrases; None uses the bundled list (:func:`load_cliches`).

    Returns:
        The number of occurrences; a phrase used twice counts twice.
    """
    pattern = _cliche_pattern(tuple(phrases) if phrases is not None else _bundled_cliches())
    return 0 if pattern is None else sum(1 for _ in pattern.finditer(text))


def cliche_rate(texts: Iterable[str], phrases: Sequence[str] | None = None) -> float:
    """Share of texts with at least one cliché.

    Args:
        texts: The responses.
        phrases: The phrases; None uses the bundled list.

    Returns:
        A share in [0, 1]; nan for no texts.
    """
    flags = [cliche_count(text, phrases) > 0 for text in texts]
    return sum(flags) / len(flags) if flags else math.nan


# ---------------------------------------------------------------------------------------------------------------
# corpus figures


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


# ---------------------------------------------------------------------------------------------------------------
# Inspect scorer and metrics
#
# Every metric takes the unreduced scores (one per sample per epoch): the corpus figures need each output's text,
# which epoch reduction drops when the epochs' answers differ. With several epochs every figure therefore covers
# every epoch's output.


def _field(scores: list[SampleScore], key: str) -> list[float]:
    return [s.score.value[key] for s in scores if isinstance(s.score.value, dict) and key in s.score.value]


def _answers(scores: list[SampleScore]) -> list[str]:
    return [s.score.answer or "" for s in scores]


@metric(name="mean_length", scores="unreduced")
def mean_length() -> Metric:
    """Mean response length in characters (the ``length`` field)."""

    def compute(scores: list[SampleScore]) -> float:
        return _mean(_field(scores, "length"))

    return compute


@metric(name="mean_cliches", scores="unreduced")
def mean_cliches() -> Metric:
    """Mean number of clichés per response (the ``cliches`` field)."""

    def compute(scores: list[SampleScore]) -> float:
        return _mean(_field(scores, "cliches"))

    return compute


@metric(name="cliche_rate", scores="unreduced")
def cliche_rate_metric() -> Metric:
    """Share of responses with at least one cliché."""

    def compute(scores: list[SampleScore]) -> float:
        return _mean(count > 0 for count in _field(scores, "cliches"))

    return compute


@metric(name="mean_novelty", scores="unreduced")
def mean_novelty() -> Metric:
    """Mean novelty over the responses that have one; left out of the log when no score carries novelty."""

    def compute(scores: list[SampleScore]) -> dict[str, float | None]:
        values = _field(scores, "novelty")
        # A None entry is dropped from the log by Inspect: no training data, no novelty column.
        return {"mean_novelty": _mean(values) if values else None}

    return compute


@metric(name="distinct_1", scores="unreduced")
def distinct_1() -> Metric:
    """Corpus-level distinct-1 of the responses (the scores' ``answer``)."""

    def compute(scores: list[SampleScore]) -> float:
        return distinct_n(_answers(scores), 1)

    return compute


@metric(name="distinct_2", scores="unreduced")
def distinct_2() -> Metric:
    """Corpus-level distinct-2 of the responses (the scores' ``answer``)."""

    def compute(scores: list[SampleScore]) -> float:
        return distinct_n(_answers(scores), 2)

    return compute


@metric(name="self_bleu", scores="unreduced")
def self_bleu_metric() -> Metric:
    """Character-level self-BLEU (orders 1-4) of the responses (the scores' ``answer``)."""

    def compute(scores: list[SampleScore]) -> float:
        return self_bleu(_answers(scores))

    return compute


@scorer(
    metrics=[
        mean_length(),
        mean_cliches(),
        cliche_rate_metric(),
        mean_novelty(),
        distinct_1(),
        distinct_2(),
        self_bleu_metric(),
    ]
)
def creativity(data_dir: str | None = None) -> Scorer:
    """Form and creativity of the greeting, with no model: length, clichés, novelty, and corpus diversity.

    Each score's value is ``{"length": int, "cliches": int, "novelty": float}`` and its ``answer`` the response.
    ``novelty`` is nan for a response with no 4-gram, and the key is absent when no data folder is given or
    resolvable (:func:`harness.data.resolve_data_dir`): then novelty is simply not reported (no error). The
    novelty index is built once per scorer, on first use. The metrics are those of :func:`corpus_creativity`,
    one log entry each.

    Args:
        data_dir: The data folder whose training responses define novelty; None resolves it from
            ``$GREETBENCH_DATA_DIR`` or the fetched cache.

    Returns:
        The scorer.

    Raises:
        DataError: ``data_dir`` (or ``$GREETBENCH_DATA_DIR``) is not a folder; a resolved folder without the SFT or
            RM-train file fails the first sample scored.
    """
    root = resolve_data_dir(data_dir)
    phrases = load_cliches()
    built: list[NoveltyIndex] = []

    def index() -> NoveltyIndex:
        # Built synchronously with no await in between, so concurrent samples cannot build it twice.
        if not built:
            built.append(NoveltyIndex.from_data_dir(root))
        return built[0]

    async def score(state: TaskState, target: Target) -> Score:
        response = state.output.completion
        value: dict[str, int | float] = {"length": char_length(response), "cliches": cliche_count(response, phrases)}
        if root is not None:
            value["novelty"] = index().novelty(response)
        return Score(value=value, answer=response)

    return score
