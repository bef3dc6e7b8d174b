"""Judges: each a plain async core over an Inspect ``Model`` plus an Inspect scorer that wraps it."""

from harness.judges.judgement import Judgement
from harness.judges.principle import (
    JUDGE_ROLE,
    PRINCIPLE_JUDGE_PROMPT,
    PRINCIPLE_JUDGE_SYSTEM,
    judge_with_principles,
    principle_judge,
)
from harness.judges.verdict import ParsedVerdict, parse_verdict

__all__ = [
    "JUDGE_ROLE",
    "PRINCIPLE_JUDGE_PROMPT",
    "PRINCIPLE_JUDGE_SYSTEM",
    "Judgement",
    "ParsedVerdict",
    "judge_with_principles",
    "parse_verdict",
    "principle_judge",
]
