"""The labelled greetings probe cases are cut from: good and bad rows of the evaluation set, deduplicated."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from harness.creativity import char_length
from harness.data import LabelledGreeting


@dataclass(frozen=True)
class ProbePool:
    """Good and bad greetings, in input order, each (query, response, label) once.

    Attributes:
        good: Rows labelled 1.
        bad: Rows labelled 0.
    """

    good: tuple[LabelledGreeting, ...]
    bad: tuple[LabelledGreeting, ...]

    @classmethod
    def from_rows(cls, rows: Sequence[LabelledGreeting]) -> ProbePool:
        """Keep rows with a non-blank response, each (query, response, label) once.

        Raises:
            ValueError: No good or no bad row is left (every probe family needs both kinds or a typical length).
        """
        seen: set[tuple[str, str, int]] = set()
        good: list[LabelledGreeting] = []
        bad: list[LabelledGreeting] = []
        for row in rows:
            key = (row.query.strip(), row.response.strip(), row.label)
            if not row.response.strip() or key in seen:
                continue
            seen.add(key)
            (good if row.label == 1 else bad).append(row)
        if not good or not bad:
            raise ValueError(f"probes need good and bad greetings; got {len(good)} good and {len(bad)} bad rows")
        return cls(tuple(good), tuple(bad))

    @property
    def rows(self) -> tuple[LabelledGreeting, ...]:
        """Good then bad rows."""
        return self.good + self.bad

    @property
    def typical_good_length(self) -> int:
        """The median length (characters) of the good greetings, rounded up."""
        return int(-(-statistics.median(char_length(r.response) for r in self.good) // 1))
