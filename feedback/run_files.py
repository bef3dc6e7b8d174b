"""The file primitives of both feedback makers' run folders: JSON Lines appended and flushed one record at a time,
a torn last line (a kill mid-write) cut off, damage anywhere else an error, whole files written atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


class RunFolderError(ValueError):
    """A run folder that cannot be resumed as asked: other settings, or a damaged file; one line naming the file."""


def append_line(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON object as one line, flushed to disk before returning."""
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def repair_torn_tail(path: Path) -> int:
    """Cut a torn last line (a kill mid-write) off a JSON Lines file; return the bytes removed (0: none).

    Edge cases: a missing or empty file is left alone; a last line that ends in a newline but is not valid JSON is
    also cut (a write that reached the disk in part).
    """
    if not path.is_file():
        return 0
    data = path.read_bytes()
    keep = len(data) if data.endswith(b"\n") else data.rfind(b"\n") + 1
    if keep == len(data) and data:
        last_start = data.rfind(b"\n", 0, len(data) - 1) + 1
        if not _parses(data[last_start:]):
            keep = last_start
    if keep < len(data):
        with open(path, "r+b") as handle:
            handle.truncate(keep)
            handle.flush()
            os.fsync(handle.fileno())
    return len(data) - keep


def _parses(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line.decode("utf-8")), dict)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False


def read_lines(path: Path) -> list[dict[str, Any]]:
    """Every JSON object of a JSON Lines file, in order; a missing file is empty.

    Raises:
        RunFolderError: A line is not a JSON object (``<file>:<line>: ...``); call :func:`repair_torn_tail` first
            so that only damage, never an interrupted write, gets here.
    """
    if not path.is_file():
        return []
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise RunFolderError(f"{path}:{number}: not valid JSON ({err.msg}); the run folder was damaged") from None
        if not isinstance(record, dict):
            raise RunFolderError(f"{path}:{number}: expected a JSON object; the run folder was damaged")
        records.append(record)
    return records


def _write_atomically(path: Path, text: str) -> None:
    """Write a whole file so that a reader (or a kill) never sees half of it."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def write_text_atomically(path: str | Path, text: str) -> None:
    """Write a whole file atomically (the pair file, the report), creating its folder."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(target, text)
