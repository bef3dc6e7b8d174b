"""Errors raised by the data layer, each naming the file and, where it applies, the record and the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: Longest rendering of an offending value inside an error message, in characters.
MAX_VALUE_CHARS = 60

#: How a record is located in its file: a 1-based line (JSON Lines, text), a 0-based array item, a 0-based row.
LOCATION_UNITS = ("line", "item", "row")


def describe_value(value: Any) -> str:
    """Render a value for an error message the way it appears in JSON, truncated.

    Args:
        value: Any value read from a data file.

    Returns:
        Its JSON spelling (``"yes"``, ``true``, ``null``, ``2``), cut to ``MAX_VALUE_CHARS`` with an ellipsis;
        values JSON cannot spell fall back to ``repr``.
    """
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > MAX_VALUE_CHARS:
        text = text[: MAX_VALUE_CHARS - 1] + "…"
    return text


class DataError(ValueError):
    """A data file that cannot be read or a record that breaks its schema.

    The message always starts with the file, then the record and the field where they apply, e.g.
    ``evaluate_data.json line 12: field 'label' must be 0 or 1, got "yes"``.

    Attributes:
        path: The file (or folder) at fault, as the caller named it.
        line: The record's number, or None for a whole-file problem. Its meaning follows ``unit``: JSON Lines and
            text files count lines from 1; JSON arrays use the 0-based array index ("item N"); parquet files
            use the 0-based row index ("row N").
        field: The field at fault (dotted for nested fields, e.g. ``chosen.value``), or None.
        unit: One of ``LOCATION_UNITS``.
        detail: The message without its location prefix.
    """

    def __init__(
        self,
        path: str | Path,
        detail: str,
        *,
        line: int | None = None,
        field: str | None = None,
        unit: str = "line",
    ) -> None:
        if unit not in LOCATION_UNITS:
            raise ValueError(f"unit must be one of {LOCATION_UNITS}, got {unit!r}")
        self.path = Path(path)
        self.line = line
        self.field = field
        self.unit = unit
        self.detail = detail
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f" {self.unit} {self.line}"
        what = f"field '{self.field}' {self.detail}" if self.field else self.detail
        return f"{where}: {what}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild,
            (type(self), str(self.path), self.detail, self.line, self.field, self.unit),
        )


class ChecksumError(DataError):
    """A downloaded file whose SHA-256 is not the pinned one.

    Attributes:
        expected: The pinned SHA-256 (hex).
        actual: The SHA-256 of what arrived (hex).
    """

    def __init__(self, path: str | Path, expected: str, actual: str) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(path, f"SHA-256 mismatch: expected {expected}, got {actual}; the download was discarded")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self.path), self.expected, self.actual))


class FetchError(OSError):
    """A download that failed in transit (unreachable host, HTTP error, interrupted stream).

    Attributes:
        url: What was being fetched.
    """

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"could not fetch {url}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.url, self.reason))


def _rebuild(cls: type[DataError], path: str, detail: str, line: int | None, field: str | None, unit: str) -> DataError:
    return cls(path, detail, line=line, field=field, unit=unit)
