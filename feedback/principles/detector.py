"""The Detector: the principle judge's own core applied with a candidate rule set, each judgement kept in the run.

A judgement is keyed by the rules' text and the greeting, so the same rules never judge the same greeting twice
in a run (whichever optimizer or step asks), and a resumed run spends no judge call on what it judged before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from inspect_ai.model import Model

from feedback.principles.balanced import balanced_accuracy
from feedback.principles.store import RunStore
from harness.data import LabelledGreeting
from harness.hashing import sha256_hex
from harness.judges.judgement import Judgement
from harness.judges.principle import judge_with_principles
from harness.principles import Principles
from harness.stats import agreement_figures

DETECT_PREFIX = "detect/"
"""Key prefix of the Detector's calls in the run's record (the judge calls a budget counts)."""


@dataclass(frozen=True)
class SliceAgreement:
    """How a rule set's verdicts agree with the labels of one slice (point figures; intervals are the report's).

    Attributes:
        accuracy: Share of scored rows judged as labelled (None with no scored row).
        kappa: Cohen's kappa (None when undefined, e.g. one class only).
        n: Scored rows.
        unscored: Rows whose judge output could not be read (counted apart, never a verdict).
        score: Rows judged as labelled over all rows, an unscored row counting as a miss (plain accuracy, kept
            beside balanced accuracy; not what candidates are chosen by).
        balanced_accuracy: Mean of recall on good-labelled and on bad-labelled rows, an unscored row counting as
            a miss (:func:`~feedback.principles.balanced.balanced_accuracy`): what candidates are chosen by. None
            when the slice lacks a label.
        judged_good: Scored rows judged good.
        judged_bad: Scored rows judged bad (with ``judged_good``: whether the rules tell the classes apart at all).
    """

    accuracy: float | None
    kappa: float | None
    n: int
    unscored: int
    score: float
    balanced_accuracy: float | None
    judged_good: int
    judged_bad: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


class Detector:
    """Judges greetings with a given rule set, through the principle judge's core.

    Args:
        model: The Detector's model.
        store: The run folder (every judgement is recorded there).
        reason: Ask for a reason with the verdict (False: the verdict word alone, the cheap mode rewards use).
        concurrency: Judgements in flight at once.
    """

    def __init__(self, model: Model, store: RunStore, reason: bool = False, concurrency: int = 8) -> None:
        self.model = model
        self.store = store
        self.reason = reason
        self._slots = asyncio.Semaphore(concurrency)

    @property
    def calls(self) -> int:
        """Judge calls this run has made (replayed ones counted once, when they were made)."""
        return sum(1 for key in self.store.calls if key.startswith(DETECT_PREFIX))

    async def judge(self, rules: Principles, query: str, response: str) -> Judgement:
        """One judgement of ``response`` under ``rules``; an unreadable output has verdict None."""
        # keyed by the rules as the judge reads them (not the set's name or file hash): the same rules under another
        # name, such as the report's unchanged "after", reuse the judgements
        key = f"{DETECT_PREFIX}{sha256_hex(rules.as_numbered_list())[:16]}/{sha256_hex(query + chr(0) + response)[:16]}"

        async def make() -> dict[str, Any]:
            async with self._slots:
                judged = await judge_with_principles(self.model, query, response, rules, reason=self.reason)
            return {"role": "detector", "rules_sha256": rules.sha256, "judgement": asdict(judged)}

        record = (await self.store.call(key, make))["judgement"]
        return Judgement(**{**record, "trace": tuple(record["trace"])})

    async def judge_rows(self, rules: Principles, rows: Sequence[LabelledGreeting]) -> list[Judgement]:
        """Judgements of labelled rows, in order."""
        return list(await asyncio.gather(*(self.judge(rules, row.query, row.response) for row in rows)))


def verdict_bits(judgements: Sequence[Judgement]) -> list[int | None]:
    """1 for good, 0 for bad, None for unscored."""
    return [None if j.verdict is None else int(j.verdict == "good") for j in judgements]


def slice_agreement(judgements: Sequence[Judgement], rows: Sequence[LabelledGreeting]) -> SliceAgreement:
    """Point agreement figures of judgements with their rows' labels (no bootstrap: the loop compares candidates).

    Edge cases: no rows gives score 0.0 and no other figure; a slice with one label has no balanced accuracy.
    """
    verdicts, labels = verdict_bits(judgements), [row.label for row in rows]
    figures = agreement_figures(verdicts, labels, n_resamples=0)
    hits = sum(v == label for v, label in zip(verdicts, labels, strict=True))
    return SliceAgreement(
        accuracy=figures.figures["accuracy"].value,
        kappa=figures.figures["kappa"].value,
        n=figures.n,
        unscored=figures.unscored,
        score=hits / len(rows) if rows else 0.0,
        balanced_accuracy=balanced_accuracy(verdicts, labels),
        judged_good=verdicts.count(1),
        judged_bad=verdicts.count(0),
    )
