"""Reading a good/bad verdict out of a judge's output: one format, read one way.

A judge is asked for its verdict first, as ``{"verdict": "good"|"bad", "reason": "..."}`` or, in the fast
``reason=False`` mode, as the bare word. The parser accepts exactly three shapes, and everything else is
*unscored* (callers turn it into ``Score.unscored(reason="grader_failed")``, Inspect's reason for an unreadable grade,
never into a bad verdict):

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

REASON_KEYS = ("reason", "理由")
"""JSON keys (case-insensitive) that may hold the reason, in order of preference."""

# Decoration a bare verdict may carry: whitespace, markdown emphasis and code ticks, quotes, brackets, punctuation.
DECORATION = " \t\r\n*_`'\"“”‘’「」【】[]()（）。.!！,，;；:："
_DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class ChoiceFormat:
    """What a judge's answer may say, and where: the JSON key, the labels of a last line, the words and meanings.

    Attributes:
        key: The one JSON key that holds the answer (its case is ignored).
        labels: Labels of an accepted last line (``label: word`` / ``label：word``), regular-expression text.
        words: Each accepted word (compared after ``strip().lower()``) and what it means.
    """

    key: str
    labels: tuple[str, ...]
    words: dict[str, str]

    def meaning(self, value: Any) -> str | None:
        """What ``value`` means when it is exactly one of :attr:`words` (case and whitespace aside), else None."""
        return self.words.get(value.strip().lower()) if isinstance(value, str) else None

    @property
    def last_line(self) -> re.Pattern[str]:
        """The accepted last line: optional markdown, a label, a colon, one word, optional decoration."""
        labels = "|".join(self.labels)
        return re.compile(
            rf"^[\s*_#>`]*(?:{labels})[\s*_`]*[:：][\s*_`]*(?P<word>[^\s*_`。.!！]+)[\s*_`。.!！]*$", re.IGNORECASE
        )


VERDICT_FORMAT = ChoiceFormat(
    key="verdict",
    labels=("判定", "结论", "verdict"),
    words={**dict.fromkeys(GOOD_WORDS, GOOD), **dict.fromkeys(BAD_WORDS, BAD)},
)
"""A good/bad verdict."""


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
    return VERDICT_FORMAT.meaning(value)


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


def _value_span(text: str, start: int, end: int, key: str, value: str) -> tuple[int, int] | None:
    """Where the string ``value`` sits inside the object ``text[start:end]`` (after its ``key``)."""
    found = re.search(rf'"{re.escape(key)}"\s*:\s*"', text[start:end], re.IGNORECASE)
    if found is None:
        return None
    at = text.find(value.strip(), start + found.end(), end)
    return None if at == -1 else (at, at + len(value.strip()))


def _from_json(text: str, form: ChoiceFormat) -> ParsedVerdict | None:
    """Shape 1: the last JSON object holding the answer key; None when no object has one."""
    with_key = [(obj, s, e) for obj, s, e in json_objects_with_spans(text) if _lookup(obj, (form.key,))[0]]
    if not with_key:
        return None
    obj, start, end = with_key[-1]
    value = _lookup(obj, (form.key,))[1]
    meaning = form.meaning(value)
    if meaning is None:
        return ParsedVerdict(None, f"the last {form.key!r} in the judge output is not an accepted word: {value!r}")
    _, reason = _lookup(obj, REASON_KEYS)
    reason_text = str(reason).strip() if reason is not None else ""
    return ParsedVerdict(meaning, reason_text, _value_span(text, start, end, form.key, value))


def _from_bare_word(text: str, form: ChoiceFormat) -> ParsedVerdict | None:
    """Shape 2: the whole output is one accepted word, decoration aside."""
    word = text.strip(DECORATION)
    meaning = form.meaning(word)
    if meaning is None:
        return None
    at = text.find(word)
    return ParsedVerdict(meaning, "", (at, at + len(word)))


def _from_last_line(text: str, form: ChoiceFormat) -> ParsedVerdict | None:
    """Shape 3: a last non-empty line ``label: word``; the lines above it are the reason."""
    stripped = text.rstrip()
    line_start = stripped.rfind("\n") + 1
    match = form.last_line.match(stripped[line_start:])
    if match is None:
        return None
    meaning = form.meaning(match.group("word"))
    if meaning is None:
        return None
    start = line_start + match.start("word")
    return ParsedVerdict(meaning, stripped[:line_start].strip(), (start, line_start + match.end("word")))


def parse_choice(text: str, form: ChoiceFormat) -> ParsedVerdict:
    """Read an answer in ``form`` from a judge's output, in one of the three accepted shapes (module docstring).

    Args:
        text: The judge model's completion.
        form: What the answer may say (:data:`VERDICT_FORMAT`, or the pairwise judge's winner).

    Returns:
        The answer's meaning (None when unread), the reason, and the answer word's span.
    """
    if not text or not text.strip():
        return ParsedVerdict(None, "empty judge output")
    structured = _from_json(text, form)
    labelled = _from_last_line(text, form)
    if structured is not None and labelled is not None and structured.verdict != labelled.verdict:
        return ParsedVerdict(None, f"the last JSON {form.key!r} and the labelled last line disagree")
    for found in (structured, labelled, _from_bare_word(text, form)):
        if found is not None:
            return found
    return ParsedVerdict(None, f"no {form.key!r} in an accepted shape (JSON object, bare word, labelled last line)")


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
    return parse_choice(text, VERDICT_FORMAT)
