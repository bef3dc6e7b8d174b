"""Reading a good/bad verdict out of free-form judge output.

Judges are asked for JSON, but real models answer in fenced JSON, bare JSON, a bare 0/1, ``Good``/``Bad``,
``好``/``不好``, ``判定：好`` and more. Anything we cannot read with confidence is *unparsed*: callers turn it
into ``Score.unscored``, never into a bad verdict.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

GOOD = "good"
BAD = "bad"

# Words accepted as a JSON verdict value (case-insensitive).
_GOOD_VALUES = frozenset({"good", "excellent", "pass", "yes", "true", "1", "好", "优秀", "合格", "通过", "是"})
_BAD_VALUES = frozenset({"bad", "poor", "fail", "no", "false", "0", "不好", "差", "较差", "不合格", "不通过", "否"})
# Words a free-text answer may *start* with. Narrower than the JSON values: "No, ..." or "是一条…" open prose
# too often to be read as verdicts. Chinese bad forms come first so "不好" never reads as "好".
_LEADING_CJK = (
    ("不合格", BAD),
    ("不通过", BAD),
    ("不好", BAD),
    ("较差", BAD),
    ("差", BAD),
    ("优秀", GOOD),
    ("合格", GOOD),
    ("通过", GOOD),
    ("好", GOOD),
)
_LEADING_WORDS = (
    ("excellent", GOOD),
    ("good", GOOD),
    ("pass", GOOD),
    ("bad", BAD),
    ("poor", BAD),
    ("fail", BAD),
)

VERDICT_KEYS = (
    "verdict",
    "label",
    "judgement",
    "judgment",
    "result",
    "decision",
    "score",
    "判定",
    "结论",
    "结果",
)
"""JSON keys (case-insensitive) that may hold the verdict, in order of preference."""
REASON_KEYS = ("reason", "explanation", "rationale", "理由", "原因", "解释")
"""JSON keys (case-insensitive) that may hold the reason."""

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_LABELLED = re.compile(
    # The optional quote lets a cut-off JSON answer ('{"verdict": "good", "reason": "…' with no closing brace,
    # as when a judge rambles past max_tokens) still be read by its explicit verdict field.
    r"(?:verdict|label|judgement|judgment|result|decision|answer|判定|结论|结果|评价|答案)\"?\s*[:：是为]\s*",
    re.IGNORECASE,
)
_DECORATION = " \t\r\n*_`'\"“”‘’「」【】[]()（）。.!！,，:：;；"


@dataclass(frozen=True)
class ParsedVerdict:
    """The outcome of reading a judge's output.

    Attributes:
        verdict: ``"good"``, ``"bad"``, or None when the output could not be read with confidence.
        reason: The judge's stated reason (may be empty), or why the output could not be read.
    """

    verdict: str | None
    reason: str

    @property
    def parsed(self) -> bool:
        """Whether a verdict was read."""
        return self.verdict is not None


def verdict_from_value(value: Any) -> str | None:
    """Map one JSON value (or bare token) to ``good``/``bad``.

    Accepts 1/0 (ints or floats equal to them), true/false, and the words in the tables above, in English
    (case-insensitive) or Chinese. Any other number (e.g. 0.5, 7) is not a verdict.

    Args:
        value: A JSON scalar.

    Returns:
        ``"good"``, ``"bad"`` or None.
    """
    if isinstance(value, bool):
        return GOOD if value else BAD
    if isinstance(value, int | float):
        return {1: GOOD, 0: BAD}.get(value)  # type: ignore[call-overload]
    if not isinstance(value, str):
        return None
    token = value.strip(_DECORATION).lower()
    if token in _GOOD_VALUES:
        return GOOD
    if token in _BAD_VALUES:
        return BAD
    return None


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _leading_verdict(text: str, *, labelled: bool = False) -> str | None:
    """The verdict a text *starts* with (``好，因为…``, ``Bad - too short``, ``1``), else None.

    A Chinese word must not run on into another character ("好的" is "OK", "不好意思" is "sorry"),
    except that after a label a trailing "的" is allowed ("结论是好的").
    """
    text = text.lstrip(_DECORATION)
    for word, verdict in _LEADING_CJK:
        if text.startswith(word):
            rest = text[len(word) :]
            if labelled and rest.startswith("的"):
                rest = rest[1:]
            return verdict if not rest or not _is_cjk(rest[0]) else None
    lowered = text.lower()
    for word, verdict in _LEADING_WORDS:
        if lowered.startswith(word) and not lowered[len(word) : len(word) + 1].isalnum():
            return verdict
    if text[:1] in ("0", "1") and not text[1:2].isalnum() and text[1:2] != ".":
        return GOOD if text[0] == "1" else BAD
    return None


def json_objects(text: str) -> list[dict[str, Any]]:
    """JSON objects found in fenced blocks first, then in the outermost braces of the text."""
    candidates = [m.group(1) for m in _FENCE.finditer(text)]
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        candidates.append(text[start : end + 1])
    objects = []
    for candidate in candidates:
        try:
            value = json.loads(candidate.strip())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            objects.append(value)
    return objects


def _lookup(obj: dict[str, Any], keys: tuple[str, ...]) -> tuple[bool, Any]:
    lowered = {str(k).strip().lower(): v for k, v in obj.items()}
    for key in keys:
        if key in lowered:
            return True, lowered[key]
    return False, None


def parse_verdict(text: str) -> ParsedVerdict:
    """Read a good/bad verdict from a judge's output.

    Order of attempts:
        1. A JSON object (inside a code fence, or the text's outermost braces) with a verdict key
           (:data:`VERDICT_KEYS`). If such an object exists but its verdict is missing or unreadable, the
           output is unparsed: we do not guess from the surrounding prose.
        2. A labelled verdict anywhere: ``Verdict: good``, ``判定：不好``, ``结论为好``.
        3. A verdict the whole output starts with: ``1``, ``Good.``, ``好，因为……``, ``**Bad**``.

    Edge cases: empty output, prose that merely mentions "good" mid-sentence, numbers other than 0/1 and
    contradictory labelled verdicts are all unparsed.

    Args:
        text: The judge model's completion.

    Returns:
        The verdict and reason; ``verdict`` is None when nothing could be read with confidence, and
        ``reason`` then says why.
    """
    if not text or not text.strip():
        return ParsedVerdict(None, "empty judge output")
    for obj in json_objects(text):
        found, value = _lookup(obj, VERDICT_KEYS)
        if not found:
            continue
        verdict = verdict_from_value(value)
        if verdict is None:
            return ParsedVerdict(None, f"unreadable verdict value in JSON: {value!r}")
        _, reason = _lookup(obj, REASON_KEYS)
        return ParsedVerdict(verdict, str(reason).strip() if reason is not None else "")
    labelled = {_leading_verdict(text[m.end() :], labelled=True) for m in _LABELLED.finditer(text)} - {None}
    if len(labelled) > 1:
        return ParsedVerdict(None, "contradictory labelled verdicts")
    verdict = labelled.pop() if labelled else _leading_verdict(text)
    if verdict is None:
        return ParsedVerdict(None, "no verdict found in judge output")
    return ParsedVerdict(verdict, text.strip())
