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
    """

    verdict: str | None
    reason: str
    trace: tuple[dict[str, Any], ...] = field(default=())

    @property
    def value(self) -> float | None:
        """1.0 for good, 0.0 for bad, None when unscored."""
        return None if self.verdict is None else float(self.verdict == "good")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (for score metadata)."""
        return asdict(self)
