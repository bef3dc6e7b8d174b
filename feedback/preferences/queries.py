"""The requests to make preference pairs for: the paper's query lists, the bundled requests, or a file.

Each request is known by a digest of its text (:func:`query_id`), not by its position, so that a resumed run finds
its finished work whatever list it is given (a longer ``--limit`` reuses the first queries' samples and verdicts).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.data import (
    DataFiles,
    load_bundled_requests,
    load_grpo_requests,
    load_random_queries,
    load_records,
    resolve_data_dir,
)
from harness.hashing import sha256_hex

QUERY_SOURCES = ("random", "grpo-train", "grpo-test", "bundled")
"""Named query sources: ``random`` (the paper's ``random_query.txt``), the GRPO splits' requests, the bundled list.
Anything else is read as a file: one query per line, or JSON Lines / a JSON array of ``{"query": ...}``."""

QUERY_ID_CHARS = 16
"""Hex digits of a query's id (64 bits: no collision in any list this tool will see)."""


@dataclass(frozen=True)
class Query:
    """One request.

    Attributes:
        id: :func:`query_id` of the text.
        text: The bare request (``妈妈生日祝福语``); the policy sees it inside the paper's policy prompt, and the pair
            file's human turn is the bare request, as in the released RM pairs.
    """

    id: str
    text: str


def query_id(text: str) -> str:
    """The first :data:`QUERY_ID_CHARS` hex digits of the SHA-256 of the stripped text."""
    return sha256_hex(text.strip())[:QUERY_ID_CHARS]


def load_queries(
    source: str, data_dir: str | Path | None = None, limit: int | None = None, offset: int = 0
) -> tuple[list[Query], dict[str, Any]]:
    """Read requests from ``source``, drop repeats (first kept), then take ``limit`` of them from ``offset``.

    Edge cases: blank queries are skipped; a query repeated in the source counts once (``random_query.txt`` holds
    8,138 distinct of 9,999 lines), before ``offset`` and ``limit`` apply.

    Args:
        source: One of :data:`QUERY_SOURCES`, or a file path (``.json``/``.jsonl``: records with a ``query`` string;
            any other file: one query per line).
        data_dir: The paper's data folder, for the paper's sources; None resolves ``$GREETBENCH_DATA_DIR`` or a
            fetched copy.
        limit: Queries to keep; None keeps all.
        offset: Distinct queries to skip first.

    Returns:
        The queries and their provenance (source, counts, offset, limit).

    Raises:
        DataError: The file is missing or malformed (naming the file, line and field).
        ValueError: The source needs the paper's data and there is none; a negative ``offset`` or a ``limit`` below
            1.
    """
    if offset < 0 or (limit is not None and limit < 1):
        raise ValueError(f"offset must be >= 0 and limit >= 1 (or none); got offset {offset}, limit {limit}")
    texts = _source_texts(source, data_dir)
    distinct = list(dict.fromkeys(text.strip() for text in texts if text.strip()))
    chosen = distinct[offset : None if limit is None else offset + limit]
    provenance = {
        "source": source,
        "source_queries": len(texts),
        "distinct": len(distinct),
        "offset": offset,
        "limit": limit,
        "used": len(chosen),
    }
    return [Query(query_id(text), text) for text in chosen], provenance


def _source_texts(source: str, data_dir: str | Path | None) -> list[str]:
    if source == "bundled":
        return [request.query for request in load_bundled_requests()]
    if source in QUERY_SOURCES:
        root = resolve_data_dir(data_dir)
        if root is None:
            raise ValueError(
                f"the {source!r} queries need the paper's data: pass --data-dir, set $GREETBENCH_DATA_DIR or run "
                "`greetbench data fetch` (or use --queries bundled, or a file)"
            )
        files = DataFiles(root)
        if source == "random":
            return load_random_queries(files.random_queries)
        split = files.grpo_train if source == "grpo-train" else files.grpo_test
        return [request.query for request in load_grpo_requests(split)]
    path = Path(source)
    if path.suffix in (".json", ".jsonl"):
        records = load_records(path)
        texts = []
        for number, obj in records.rows:
            value = obj.get("query")
            if not isinstance(value, str) or not value.strip():
                raise records.error(number, "must be a non-blank string", "query")
            texts.append(value)
        return texts
    return load_random_queries(path)
