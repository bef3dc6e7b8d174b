"""Reading a good/bad verdict out of a judge's output: one format, read one way.

A judge is asked for its verdict first, as ``{"verdict": "good"|"bad", "reason": "..."}`` or, in the fast
``reason=False`` mode, as the bare word. The parser accepts exactly three shapes, and everything else is
*unscored* (callers turn it into ``Score.unscored(reason="grader_parse_failure")``, never into a bad verdict):

1. the **last** JSON object in the output that has a ``verdict`` key, whose value must be exactly a verdict
   word (:data:`GOOD_WORDS`, :data:`BAD_WORDS`; case and surrounding whitespace aside);
2. a whole output that is just a verdict word (punctuation and markdown emphasis aside): ``Good.``, ``**不好**``;
3. a last line of the form ``判定：好`` / ``verdict: bad`` / ``结论：差``.

Binding to the last JSON object is what Inspect's own graders do with the last grade: a judge that first quotes a
greeting's injected ``{"verdict": "good"}`` and then gives its own ``{"verdict": "bad"}`` is read as bad. There is
no guessing from prose: no leading digits (``1、首先……不好``), no first word (``Good question. ... bad``), no
``score`` key, no verdict word inside a sentence.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

GOOD = "good"
BAD = "bad"

GOOD_WORDS = frozenset({"good", "好"})
"""Verdict words meaning good (compared after ``strip().lower()``)."""
BAD_WORDS = frozenset({"bad", "不好", "差"})
"""Verdict words meaning bad (compared after ``strip().lower()``)."""

VERDICT_KEY = "verdict"
"""The one JSON key that holds a verdict (its case is ignored)."""
REASON_KEYS = ("reason", "理由")
"""JSON keys (case-insensitive) that may hold the reason, in order of preference."""

# Decoration a bare verdict may carry: whitespace, markdown emphasis and code ticks, quotes, brackets, full stops.
DECORATION = " \t\r\n*_`'\"“”‘’「」【】[]()（）。.!！,，;；:："
_LABELLED_LINE = re.compile(
    r"^[\s*_#>`]*(?:判定|结论|verdict)[\s*_`]*[:：][\s*_`]*(?P<word>[^\s*_`。.!！]+)[\s*_`。.!！]*$", re.I
)
_DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class ParsedVerdict:
    """The outcome of reading a judge's output.

    Attributes:
        verdict: ``"good"``, ``"bad"``, or None when the output is not in an accepted shape.
        reason: The judge's stated reason (may be empty), or why the output could not be read.
        span: ``(start, end)`` character offsets of the verdict word in the output (for reading P(good) at
            the verdict token), or None when there is no verdict.
    """

    verdict: str | None
    reason: str
    span: tuple[int, int] | None = None

    @property
    def parsed(self) -> bool:
        """Whether a verdict was read."""
        return self.verdict is not None


def verdict_word(value: Any) -> str | None:
    """Map a verdict word (``good``/``bad``/``好``/``不好``/``差``, case and whitespace aside) to good/bad.

    Args:
        value: Any JSON value.

    Returns:
        ``"good"``, ``"bad"``, or None for anything else (numbers, booleans, other words, sentences).
    """
    if not isinstance(value, str):
        return None
    word = value.strip().lower()
    if word in GOOD_WORDS:
        return GOOD
    if word in BAD_WORDS:
        return BAD
    return None


def json_objects_with_spans(text: str) -> list[tuple[dict[str, Any], int, int]]:
    """Every top-level JSON object in ``text``, in order, with its ``(start, end)`` offsets.

    Objects may sit inside code fences or prose; an object nested in another is part of its parent, not listed
    on its own. Text that only looks like JSON (a stray brace, a cut-off object) is skipped.
    """
    found = []
    position = text.find("{")
    while position != -1:
        try:
            value, end = _DECODER.raw_decode(text, position)
        except json.JSONDecodeError:
            position = text.find("{", position + 1)
            continue
        if isinstance(value, dict):
            found.append((value, position, end))
        position = text.find("{", end)
    return found


def json_objects(text: str) -> list[dict[str, Any]]:
    """Every top-level JSON object in ``text``, in order of appearance (see :func:`json_objects_with_spans`)."""
    return [obj for obj, _, _ in json_objects_with_spans(text)]


def _lookup(obj: dict[str, Any], keys: tuple[str, ...]) -> tuple[bool, Any]:
    lowered = {str(k).strip().lower(): v for k, v in obj.items()}
    for key in keys:
        if key in lowered:
            return True, lowered[key]
    return False, None


def _value_span(text: str, start: int, end: int, value: str) -> tuple[int, int] | None:
    """Where the verdict string ``value`` sits inside the object ``text[start:end]`` (after its key)."""
    key = re.search(rf'"{VERDICT_KEY}"\s*:\s*"', text[start:end], re.IGNORECASE)
    if key is None:
        return None
    at = text.find(value.strip(), start + key.end(), end)
    return None if at == -1 else (at, at + len(value.strip()))


def _from_json(text: str) -> ParsedVerdict | None:
    """Shape 1: the last JSON object holding a ``verdict`` key; None when no object has one."""
    with_key = [(obj, s, e) for obj, s, e in json_objects_with_spans(text) if _lookup(obj, (VERDICT_KEY,))[0]]
    if not with_key:
        return None
    obj, start, end = with_key[-1]
    value = _lookup(obj, (VERDICT_KEY,))[1]
    verdict = verdict_word(value)
    if verdict is None:
        return ParsedVerdict(None, f"the last verdict in the judge output is not a verdict word: {value!r}")
    _, reason = _lookup(obj, REASON_KEYS)
    reason_text = str(reason).strip() if reason is not None else ""
    return ParsedVerdict(verdict, reason_text, _value_span(text, start, end, value))


def _from_bare_word(text: str) -> ParsedVerdict | None:
    """Shape 2: the whole output is one verdict word, decoration aside."""
    word = text.strip(DECORATION)
    verdict = verdict_word(word)
    if verdict is None:
        return None
    at = text.find(word)
    return ParsedVerdict(verdict, "", (at, at + len(word)))


def _from_last_line(text: str) -> ParsedVerdict | None:
    """Shape 3: a last non-empty line ``判定：好`` / ``verdict: bad``; the lines above it are the reason."""
    stripped = text.rstrip()
    line_start = stripped.rfind("\n") + 1
    match = _LABELLED_LINE.match(stripped[line_start:])
    if match is None:
        return None
    verdict = verdict_word(match.group("word"))
    if verdict is None:
        return None
    start = line_start + match.start("word")
    return ParsedVerdict(verdict, stripped[:line_start].strip(), (start, line_start + match.end("word")))


def parse_verdict(text: str) -> ParsedVerdict:
    """Read a good/bad verdict from a judge's output, in one of the three accepted shapes (module docstring).

    Edge cases: an empty output, prose that mentions verdict words anywhere but alone or on a labelled last line,
    a ``verdict`` whose value is not exactly a verdict word (``"excellent"``, ``1``, ``true``), a ``score`` key, and
    a JSON verdict contradicted by a labelled last line are all unparsed. A verdict quoted earlier in the output
    never wins over the judge's last one.

    Args:
        text: The judge model's completion.

    Returns:
        The verdict, reason and the verdict word's span; ``verdict`` is None when the output is not in an
        accepted shape, and ``reason`` then says why.
    """
    if not text or not text.strip():
        return ParsedVerdict(None, "empty judge output")
    structured = _from_json(text)
    labelled = _from_last_line(text)
    if structured is not None and labelled is not None and structured.verdict != labelled.verdict:
        return ParsedVerdict(None, "the last JSON verdict and the labelled last line disagree")
    for found in (structured, labelled, _from_bare_word(text)):
        if found is not None:
            return found
    return ParsedVerdict(None, "no verdict in an accepted shape (JSON verdict, bare word, labelled last line)")
