"""Read a file of JSON objects written either as one JSON array or as JSON Lines, whatever its extension."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from harness.data.errors import DataError, describe_value

#: The two layouts ``read_records`` accepts.
Layout = Literal["json-array", "json-lines"]

#: Text encoding of every data file; a leading byte-order mark is tolerated.
ENCODING = "utf-8-sig"


@dataclass(frozen=True)
class Records:
    """The objects of one file, each with its location.

    Attributes:
        path: The file read.
        layout: ``"json-array"`` or ``"json-lines"``.
        rows: ``(number, object)`` pairs in file order. ``number`` is the 1-based line for JSON Lines and the
            0-based array index for a JSON array.
    """

    path: Path
    layout: Layout
    rows: tuple[tuple[int, dict[str, Any]], ...]

    @property
    def unit(self) -> str:
        """How ``number`` reads in messages: ``"line"`` for JSON Lines, ``"item"`` for a JSON array."""
        return "item" if self.layout == "json-array" else "line"

    def error(self, number: int, detail: str, field: str | None = None) -> DataError:
        """Build a DataError located at record ``number`` of this file."""
        return DataError(self.path, detail, line=number, field=field, unit=self.unit)


def read_text(path: str | Path) -> str:
    """Read a whole data file as text.

    Args:
        path: The file.

    Returns:
        Its text, decoded as UTF-8 (a leading byte-order mark dropped).

    Raises:
        DataError: The file is missing, unreadable, or not UTF-8.
    """
    path = Path(path)
    try:
        return path.read_text(encoding=ENCODING)
    except FileNotFoundError:
        raise DataError(path, "file not found") from None
    except UnicodeDecodeError as err:
        raise DataError(path, f"not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise DataError(path, f"cannot be read: {err.strerror or err}") from None


def load_records(path: str | Path) -> Records:
    """Read a file of JSON objects, telling the layout from its content rather than its name.

    A file whose first non-blank character is ``[`` is one JSON array; anything else is JSON Lines (one object per
    line). In JSON Lines, blank lines are skipped but still counted, so numbers match an editor's line numbers;
    lines split on ``\\n`` only (a raw U+2028 inside a string does not end a line). An empty file gives no rows.

    Args:
        path: The file.

    Returns:
        The file's objects with their locations.

    Raises:
        DataError: The file is unreadable or not UTF-8; the JSON is malformed (the message gives the line where
            parsing failed); or a record is not a JSON object (the message gives its line or item).
    """
    path = Path(path)
    text = read_text(path)
    if text.lstrip().startswith("["):
        return Records(path, "json-array", _parse_array(path, text))
    return Records(path, "json-lines", _parse_lines(path, text))


def read_records(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """Read a file of JSON objects as ``(number, object)`` pairs; see ``load_records`` for the rules.

    Args:
        path: A JSON array or JSON Lines file, whatever its extension.

    Returns:
        ``(number, object)`` pairs: the 1-based line for JSON Lines, the 0-based array index for a JSON array.

    Raises:
        DataError: As ``load_records``.
    """
    return list(load_records(path).rows)


def _parse_array(path: Path, text: str) -> tuple[tuple[int, dict[str, Any]], ...]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as err:
        raise DataError(path, f"malformed JSON array: {err.msg} (column {err.colno})", line=err.lineno) from None
    rows = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise DataError(path, f"expected a JSON object, got {describe_value(item)}", line=index, unit="item")
        rows.append((index, item))
    return tuple(rows)


def _parse_lines(path: Path, text: str) -> tuple[tuple[int, dict[str, Any]], ...]:
    rows = []
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as err:
            hint = " (expected one JSON object per line, or a JSON array)" if number == 1 else ""
            raise DataError(path, f"malformed JSON: {err.msg} (column {err.colno}){hint}", line=number) from None
        if not isinstance(item, dict):
            raise DataError(path, f"expected a JSON object, got {describe_value(item)}", line=number)
        rows.append((number, item))
    return tuple(rows)
