"""The result every judge core returns, whichever judge and whichever caller (scorer or GRPO reward)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Judgement:
    """One judge's decision on one (query, response).

    Attributes:
        verdict: ``"good"``, ``"bad"``, or None when the judge's output could not be read (unscored).
        reason: The judge's reason, or why no verdict could be read.
        trace: What each step saw and said, in order (``{"agent", "output", ...}``), for logs and debugging.
        p_good: The judge's probability of good at its verdict token (LLM judges, where the provider gives
            logprobs), or None.
        p_good_missing_reason: Why ``p_good`` is None for an LLM judge (no logprobs, no verdict, ...); None when
            ``p_good`` is present or the judge never gives one.
        call_failed: The judge model could not answer (unreachable, failed or timed out after its retries): the
            verdict is None because nothing was judged, which a caller may retry; an unreadable output is not this.
    """

    verdict: str | None
    reason: str
    trace: tuple[dict[str, Any], ...] = field(default=())
    p_good: float | None = None
    p_good_missing_reason: str | None = None
    call_failed: bool = False

    @property
    def value(self) -> float | None:
        """1.0 for good, 0.0 for bad, None when unscored."""
        return None if self.verdict is None else float(self.verdict == "good")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (for score metadata)."""
        return asdict(self)
