"""Finding and reading Inspect logs, through Inspect's public readers only.

A log is read as its header (``read_eval_log(..., header_only=True)``) and, when its samples are wanted, as the
sample summaries (``read_eval_log_sample_summaries``: scores, answers and reasons without the transcript) or as
whole samples (``read_eval_log``: every sample the file holds, where ``read_eval_log_samples`` would fetch only the
ids and epochs its header declares, one read each). Folders are listed with ``list_eval_logs``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlparse

from inspect_ai.log import (
    EvalLog,
    list_eval_logs,
    read_eval_log,
    read_eval_log_sample_summaries,
)

from harness.hashing import sha256_file


class LogReadError(Exception):
    """A file is not a readable Inspect log."""


class MissingLogPath(LogReadError, FileNotFoundError):
    """A log file or folder named by the caller does not exist."""


def log_file(location: str | Path) -> Path:
    """The local file of a log location (a path, or a ``file://`` URL as Inspect writes ``log.location``)."""
    text = str(location)
    parsed = urlparse(text)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(text)


def expand_log_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Log files named directly or found (recursively) in the named folders, each once, in a stable order.

    Args:
        paths: Files and folders.

    Returns:
        Resolved paths; folders are listed with Inspect's ``list_eval_logs`` (``.eval`` and ``.json`` logs), each
        folder's logs sorted by path.

    Raises:
        MissingLogPath: A path that does not exist (a :class:`LogReadError` and a ``FileNotFoundError``).
    """
    found: dict[Path, None] = {}
    for item in paths:
        path = Path(item)
        if path.is_dir():
            for p in sorted(log_file(info.name) for info in list_eval_logs(str(path), recursive=True)):
                found.setdefault(p.resolve(), None)
        elif path.is_file():
            found.setdefault(path.resolve(), None)
        else:
            raise MissingLogPath(f"{path}: no such log file or folder")
    return list(found)


def log_sha256(location: str | Path) -> str | None:
    """SHA-256 (hex) of a log's file, or None when it is not a readable local file."""
    path = log_file(location)
    return sha256_file(path) if path.is_file() else None


def read_header(path: str | Path) -> EvalLog:
    """A log's header (no samples): ``read_eval_log(..., header_only=True)``."""
    return read_eval_log(str(path), header_only=True)


def read_samples(
    path: str | Path, header: EvalLog, full: bool = False, order: Literal["dataset", "id"] = "dataset"
) -> list[Any]:
    """A log's samples, by epoch and then in the run's dataset order, or by id as ``read_eval_log`` gives them.

    Args:
        path: The log.
        header: Its header (for the declared sample order, and whether it holds results).
        full: Whole samples (``EvalSample``: transcripts, untruncated answers, read with the whole log) instead of
            the summaries
            (``EvalSampleSummary``; Inspect keeps the last row of a sample id and epoch).
        order: ``dataset``: within an epoch, the order of the header's declared sample ids; ``id``: within an
            epoch, by id (numbers zero-padded), the order of a log read whole with ``read_eval_log``.

    Returns:
        The samples; empty when a log without results has no summaries.
    """
    if full:
        samples = read_eval_log(str(path)).samples or []
    else:
        samples = read_eval_log_sample_summaries(str(path)) if header.results else []
    if order == "id":
        return sorted(samples, key=lambda s: (s.epoch, s.id if isinstance(s.id, str) else str(s.id).zfill(20)))
    dataset = header.eval.dataset
    declared = {str(i): n for n, i in enumerate((dataset.sample_ids if dataset else None) or [])}
    return sorted(samples, key=lambda s: (s.epoch, declared.get(str(s.id), len(declared)), str(s.id)))
