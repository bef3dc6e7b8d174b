"""What the creativity measures count: characters, segments and character n-grams.

Every n-gram measure works on characters, not tokens. A text is split into *segments*: maximal runs of alphanumeric
characters (``str.isalnum``: CJK ideographs, letters, digits), lower-cased. Punctuation, whitespace, emoji and other
symbols are not counted and act as boundaries: an n-gram never spans them, so ``快乐，幸福`` has the 2-grams 快乐 and
幸福 but not 乐幸. (:func:`char_length` is different: every character of the stripped response.)
"""

from __future__ import annotations

import re

_SEGMENT = re.compile(r"[^\W_]+")  # runs of alphanumeric characters (\w without the underscore)


def char_length(text: str) -> int:
    """Length in characters (not tokens, not bytes) of the text without surrounding whitespace."""
    return len(text.strip())


def segments(text: str) -> list[str]:
    """Split ``text`` into lower-cased runs of alphanumeric characters; everything else is a boundary.

    Args:
        text: Any text.

    Returns:
        The runs in order (empty for a text with no letters, digits or ideographs).
    """
    return _SEGMENT.findall(text.lower())


def char_ngrams(text: str, n: int) -> list[str]:
    """Return the character n-grams of ``text`` in order, never spanning punctuation or whitespace.

    Args:
        text: Any text.
        n: The order, >= 1.

    Returns:
        One string per n-gram occurrence (a segment shorter than ``n`` contributes none).
    """
    _check_order(n)
    return _ngrams(segments(text), n)


def _ngrams(segs: list[str], n: int) -> list[str]:
    return [seg[i : i + n] for seg in segs for i in range(len(seg) - n + 1)]


def _check_order(n: int) -> None:
    if n < 1:
        raise ValueError(f"n-gram order must be >= 1, got {n}")
