"""Which evaluation queries (and query-response pairs) also occur in the training and held-out data."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.data.checks import match_key
from harness.data.loaders import (
    GreetingRequest,
    LabelledGreeting,
    PreferencePair,
    SftExample,
    load_eval_set,
    load_grpo_requests,
    load_preference_pairs,
    load_sft_examples,
)
from harness.data.sources import DataFiles
from harness.hashing import sha256_hex

#: Every source an evaluation query is looked up in.
SOURCES = ("sft", "rm_train", "rm_test", "grpo_train", "grpo_test")

#: The sources a policy or reward model is trained on: an eval query found in one of these is contaminated.
TRAINING_SOURCES = ("sft", "rm_train", "grpo_train")

#: Kinds of verbatim (query, response) match against reward-model training pairs.
VERBATIM_KINDS = ("rm_train_chosen", "rm_train_rejected")

#: Bumped whenever the index's definition or canonical form changes, so digests never collide across versions.
INDEX_VERSION = 1

#: The matching rule, recorded in summaries and digests.
MATCH_RULE = "exact string equality after str.strip()"


@dataclass(frozen=True)
class EvalRowMatch:
    """Where one evaluation row's query and (query, response) pair occur.

    Attributes:
        line: The row's line in the evaluation file.
        query: The row's query (stripped).
        label: The row's label.
        sources: The ``SOURCES`` whose queries include this row's query.
        verbatim: The ``VERBATIM_KINDS`` whose (prompt, side) pairs include this row's (query, response).
    """

    line: int
    query: str
    label: int
    sources: frozenset[str]
    verbatim: frozenset[str]


@dataclass(frozen=True)
class ContaminationIndex:
    """The queries of each data source, with every evaluation row's matches.

    Texts are compared by exact string equality after ``strip()`` (``match_key``): no case, width, punctuation or
    Unicode normalisation, so near-duplicates are not caught and the counts are lower bounds.

    A query is *contaminated* when it occurs in the training data: ``TRAINING_SOURCES`` = SFT instructions,
    reward-model training prompts, GRPO training prompts. ``rm_test`` and ``grpo_test`` are reported
    (``sources``, ``summary``) but do not make a query contaminated.

    The mappings are not meant to be mutated; compare indexes by ``digest()``.

    Attributes:
        source_queries: Each of ``SOURCES`` -> its set of queries (stripped).
        rm_train_pairs: ``"rm_train_chosen"`` / ``"rm_train_rejected"`` -> the set of (prompt, side) pairs.
        eval_rows: One entry per evaluation row, in file order.
    """

    source_queries: Mapping[str, frozenset[str]]
    rm_train_pairs: Mapping[str, frozenset[tuple[str, str]]]
    eval_rows: tuple[EvalRowMatch, ...]

    def sources(self, query: str) -> frozenset[str]:
        """Return the ``SOURCES`` whose queries include ``query`` (any query, not only evaluation ones)."""
        return _sources(self.source_queries, query)

    def is_contaminated(self, query: str) -> bool:
        """Return whether ``query`` occurs in the training data (SFT, RM train or GRPO train)."""
        return bool(self.sources(query) & set(TRAINING_SOURCES))

    def verbatim(self, query: str, response: str) -> frozenset[str]:
        """Return the ``VERBATIM_KINDS`` where (query, response) is an RM-train (prompt, chosen/rejected) pair."""
        return _verbatim(self.rm_train_pairs, query, response)

    def contaminated_lines(self) -> tuple[int, ...]:
        """Return the lines of evaluation rows whose query is contaminated, ascending."""
        training = set(TRAINING_SOURCES)
        return tuple(sorted(row.line for row in self.eval_rows if row.sources & training))

    def summary(self) -> dict[str, Any]:
        """Count evaluation queries and rows per source, contaminated ones, and verbatim pairs by label.

        Returns:
            A JSON-ready dict: ``match``, ``training_sources``, ``eval_rows``, ``eval_queries``,
            ``queries_per_source`` and ``rows_per_source`` (each over ``SOURCES``), ``contaminated_queries`` /
            ``contaminated_rows`` (training sources), ``queries_in_any_source`` / ``rows_in_any_source``, and
            ``verbatim``: for each kind, rows matched in total and by label (``good`` = 1, ``bad`` = 0).
        """
        training = set(TRAINING_SOURCES)
        queries: dict[str, frozenset[str]] = {}
        for row in self.eval_rows:
            queries[row.query] = row.sources
        verbatim = {
            kind: {
                "rows": sum(kind in row.verbatim for row in self.eval_rows),
                "good": sum(kind in row.verbatim and row.label == 1 for row in self.eval_rows),
                "bad": sum(kind in row.verbatim and row.label == 0 for row in self.eval_rows),
            }
            for kind in VERBATIM_KINDS
        }
        return {
            "match": MATCH_RULE,
            "training_sources": list(TRAINING_SOURCES),
            "eval_rows": len(self.eval_rows),
            "eval_queries": len(queries),
            "queries_per_source": {name: sum(name in s for s in queries.values()) for name in SOURCES},
            "rows_per_source": {name: sum(name in row.sources for row in self.eval_rows) for name in SOURCES},
            "contaminated_queries": sum(bool(s & training) for s in queries.values()),
            "contaminated_rows": sum(bool(row.sources & training) for row in self.eval_rows),
            "queries_in_any_source": sum(bool(s) for s in queries.values()),
            "rows_in_any_source": sum(bool(row.sources) for row in self.eval_rows),
            "verbatim": verbatim,
        }

    def digest(self) -> str:
        """Return the SHA-256 (hex) of the index's canonical JSON, for logs to record which index they used.

        The canonical form holds ``INDEX_VERSION``, the match rule, every source's sorted queries, the sorted
        RM-train pairs, and every evaluation row's (line, query, label, sources, verbatim), serialised with sorted
        keys, no whitespace and UTF-8 text.
        """
        canonical = {
            "version": INDEX_VERSION,
            "match": MATCH_RULE,
            "sources": {name: sorted(self.source_queries.get(name, ())) for name in SOURCES},
            "rm_train_pairs": {
                kind: sorted(list(pair) for pair in self.rm_train_pairs.get(kind, ())) for kind in VERBATIM_KINDS
            },
            "eval_rows": [
                [row.line, row.query, row.label, sorted(row.sources), sorted(row.verbatim)] for row in self.eval_rows
            ],
        }
        text = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return sha256_hex(text)


def index_contamination(
    eval_rows: Sequence[LabelledGreeting],
    *,
    sft: Iterable[SftExample] = (),
    rm_train: Iterable[PreferencePair] = (),
    rm_test: Iterable[PreferencePair] = (),
    grpo_train: Iterable[GreetingRequest] = (),
    grpo_test: Iterable[GreetingRequest] = (),
) -> ContaminationIndex:
    """Build a ContaminationIndex from loaded rows (no files read).

    The query of an SFT example is its ``instruction``; of a preference pair its ``prompt``; of a GRPO request its
    ``query`` (the policy prefix removed). A source left empty simply matches nothing.

    Args:
        eval_rows: The evaluation rows to flag.
        sft: SFT examples.
        rm_train: Reward-model training pairs (also the source of verbatim pair matches).
        rm_test: Reward-model test pairs.
        grpo_train: GRPO training requests.
        grpo_test: GRPO test requests.

    Returns:
        The index.
    """
    rm_train = list(rm_train)
    source_queries = {
        "sft": frozenset(match_key(example.instruction) for example in sft),
        "rm_train": frozenset(match_key(pair.prompt) for pair in rm_train),
        "rm_test": frozenset(match_key(pair.prompt) for pair in rm_test),
        "grpo_train": frozenset(match_key(request.query) for request in grpo_train),
        "grpo_test": frozenset(match_key(request.query) for request in grpo_test),
    }
    rm_train_pairs = {
        "rm_train_chosen": frozenset((match_key(p.prompt), match_key(p.chosen)) for p in rm_train),
        "rm_train_rejected": frozenset((match_key(p.prompt), match_key(p.rejected)) for p in rm_train),
    }
    matches = tuple(
        EvalRowMatch(
            line=row.line,
            query=match_key(row.query),
            label=row.label,
            sources=_sources(source_queries, row.query),
            verbatim=_verbatim(rm_train_pairs, row.query, row.response),
        )
        for row in eval_rows
    )
    return ContaminationIndex(source_queries, rm_train_pairs, matches)


def _sources(source_queries: Mapping[str, frozenset[str]], query: str) -> frozenset[str]:
    key = match_key(query)
    return frozenset(name for name in SOURCES if key in source_queries.get(name, frozenset()))


def _verbatim(pairs: Mapping[str, frozenset[tuple[str, str]]], query: str, response: str) -> frozenset[str]:
    pair = (match_key(query), match_key(response))
    return frozenset(kind for kind in VERBATIM_KINDS if pair in pairs.get(kind, frozenset()))


def build_contamination_index(files: DataFiles) -> ContaminationIndex:
    """Load the evaluation set and every training and held-out source of ``files``, and index them.

    Args:
        files: A data folder.

    Returns:
        The index over all of ``SOURCES``.

    Raises:
        DataError: A file is missing or malformed.
    """
    return index_contamination(
        load_eval_set(files.eval_set),
        sft=load_sft_examples(files.sft),
        rm_train=load_preference_pairs(files.rm_train),
        rm_test=load_preference_pairs(files.rm_test),
        grpo_train=load_grpo_requests(files.grpo_train),
        grpo_test=load_grpo_requests(files.grpo_test),
    )
