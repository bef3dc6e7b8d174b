"""The ``creativity`` Inspect scorer and its metrics (one per figure of :func:`corpus_creativity`)."""

from __future__ import annotations

from inspect_ai.scorer import Metric, SampleScore, Score, Scorer, Target, metric, scorer
from inspect_ai.solver import TaskState

from harness.creativity.bleu import self_bleu
from harness.creativity.cliches import cliche_count, load_cliches
from harness.creativity.corpus import _mean
from harness.creativity.distinct import distinct_n
from harness.creativity.ngrams import char_length
from harness.creativity.novelty import NoveltyIndex
from harness.data import resolve_data_dir

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
