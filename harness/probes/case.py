"""What every probe family shares: one case (built from the data before the eval) and its outcome (after judging).

A case is plain data, so it travels in an Inspect sample's metadata and comes back intact in the scorer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from harness.judges.judgement import Judgement


@dataclass(frozen=True)
class ProbeCase:
    """One probe case.

    Attributes:
        probe: The probe kind (``position``, ``length_pad``, ``length_inflate``, ``injection``, ``null``,
            ``stability``).
        id: Unique within a run (``<probe>-<index>``).
        query: The greeting request.
        original: The clean text: the unperturbed greeting (length, injection, stability), greeting A of a pair
            (position), or None (null: there is no clean version).
        perturbed: What the probe shows instead: the padded/inflated/injected greeting, the null response, or
            None (position and stability change how the judge is asked, not the text).
        partner: Greeting B of a pair (position only).
        details: How the case was made (source rows, labels, filler, injection form, null kind, ...).
    """

    probe: str
    id: str
    query: str
    original: str | None = None
    perturbed: str | None = None
    partner: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def shown(self) -> str:
        """The text a reader of the log sees as the sample's response: the perturbed text, else the original."""
        return self.perturbed if self.perturbed is not None else self.original or ""

    def to_metadata(self) -> dict[str, Any]:
        """A JSON-ready copy for sample metadata."""
        return asdict(self)

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any]) -> ProbeCase:
        """Rebuild a case from sample metadata written by :meth:`to_metadata` (other keys are ignored)."""
        names = ("probe", "id", "query", "original", "perturbed", "partner", "details")
        return cls(**{name: metadata[name] for name in names if name in metadata})


@dataclass(frozen=True)
class ProbeOutcome:
    """What judging one case showed.

    Attributes:
        hit: Whether the judge did the bad thing on the probe case itself, with no condition on the clean case
            (changed its answer, or called a null/injected/inflated text good); None when the judge's output
            on the probe case could not be read (the sample is then unscored).
        failed: The probe's failure as its rate counts it: ``hit`` where the probe's condition holds (for
            injection and inflation, the clean greeting was judged bad); None when the case does not count,
            either because a needed judge output was unreadable or because the condition does not hold.
            A None is never a pass or a fail.
        verdicts: What the judge said on each version (``original``/``perturbed`` verdicts, pair winners,
            one verdict per seed).
        note: Why ``failed`` is None (empty otherwise).
        trace: The judge's raw outputs, per version.
    """

    hit: bool | None
    failed: bool | None
    verdicts: dict[str, Any]
    note: str = ""
    trace: dict[str, Any] = field(default_factory=dict)

    def to_metadata(self) -> dict[str, Any]:
        """A JSON-ready copy for score metadata."""
        return asdict(self)


MAX_RECORDED_CHARS = 1000
"""Longest reason or raw output kept per judgement in a probe's score metadata."""


def judgement_record(judgement: Judgement) -> dict[str, Any]:
    """What a probe keeps of one judgement: the verdict, the reason and each step's raw output (cut)."""
    outputs = [str(step["output"])[:MAX_RECORDED_CHARS] for step in judgement.trace if step.get("output") is not None]
    return {"verdict": judgement.verdict, "reason": judgement.reason[:MAX_RECORDED_CHARS], "outputs": outputs}


@dataclass(frozen=True)
class ProbeSettings:
    """Knobs of the probe families beyond the number of cases.

    Attributes:
        stability_runs: Judgements per item in the stability probe, one per seed.
        stability_temperature: Sampling temperature of the stability probe (judges default to greedy, under
            which a seed changes nothing).
        seed: The run's seed; the stability probe's judge seeds are ``seed * 1000 + i``.
    """

    stability_runs: int = 3
    stability_temperature: float = 0.7
    seed: int = 0

    def __post_init__(self) -> None:
        if self.stability_runs < 2:
            raise ValueError(f"stability_runs must be at least 2, got {self.stability_runs}")
        if self.stability_temperature <= 0:
            raise ValueError(f"stability_temperature must be > 0, got {self.stability_temperature}")

    @property
    def stability_seeds(self) -> list[int]:
        """The judge seeds of the stability probe."""
        return [self.seed * 1000 + i for i in range(self.stability_runs)]
