"""Stock phrases (clichés): exact, non-overlapping substring matches of the phrases in ``harness/cliches.txt`` on the
raw response (leftmost match first; at one position the longest phrase wins).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from pathlib import Path

#: The bundled cliché list, a package resource of ``harness``.
CLICHES_RESOURCE = "cliches.txt"


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
