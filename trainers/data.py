"""Training rows for the trainers, read leniently: a bad row is dropped and counted, never a crash mid-run.

The harness loaders (``harness.data``) refuse a file at its first bad record, which is right for evaluation data.
A trainer instead applies one documented rule, :data:`PAIR_RULE` / :data:`SFT_RULE`, before training starts, and
reports what it dropped (:class:`InputReport`):

- a record that is not a usable row (a preference pair without a ``chosen`` or ``rejected`` greeting, or without a
  human turn; an SFT row without an instruction or output) is dropped;
- a preference pair whose two greetings are identical (compared after ``strip()``; 13 exist upstream) is dropped:
  it prefers nothing;
- a row whose tokenized length exceeds ``max_length`` is dropped, not truncated (a truncated greeting would teach
  the wrong ending, and a reward model pools at the last token);
- then, when asked, a seeded random subset of the remaining rows is kept; for preference pairs it can be
  length-balanced (:func:`length_balanced_subsample`): a set share of pairs whose chosen greeting is not longer.

Each row is counted under the first rule it breaks. Whole-file problems (missing file, malformed JSON) still fail
at once, before any training.

Nothing here imports torch or transformers; the trainer measures token lengths and passes them in.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from harness.creativity import char_length
from harness.data import PreferencePair, SftExample
from harness.data.checks import match_key
from harness.data.loaders import HUMAN_ROLE
from harness.data.records import load_records

MISSING_SIDE = "missing_chosen_or_rejected"
"""A preference record whose ``chosen`` or ``rejected`` is missing, not an object, or has no non-blank ``value``."""

MALFORMED = "malformed"
"""A record that is not a usable row for another reason (no human turn; no instruction or output)."""

IDENTICAL = "identical_chosen_rejected"
"""A preference pair whose chosen and rejected greetings are equal after ``strip()``."""

OVER_LENGTH = "over_length"
"""A row whose tokenized length (either side, for a pair) is above ``max_length``."""

PAIR_RULE = (
    "preference pairs: drop a record without a chosen or rejected greeting or without a human turn; drop a pair "
    "whose chosen and rejected are identical after strip(); drop a pair whose chosen or rejected conversation "
    "(chat template applied) is longer than max_length tokens; each row is counted under the first rule it "
    "breaks; then keep a seeded random subset of max_rows if set"
)
SFT_RULE = (
    "SFT rows: drop a record without a non-blank instruction or output (input, if a non-blank string, is appended "
    "to the instruction after a newline); drop a row whose prompt plus completion (chat template applied) is "
    "longer than max_length tokens; then keep a seeded random subset of max_rows if set"
)

EXAMPLES_KEPT = 5
"""Record numbers listed per drop reason in a report."""

T = TypeVar("T")


@dataclass
class InputReport:
    """What a trainer read from one file and what it kept.

    Attributes:
        source: The file.
        rule: The documented rule applied.
        records: Records in the file.
        kept: Rows used (after drops and subsampling).
        dropped: Reason -> rows dropped for it (every reason listed, zero or not).
        dropped_examples: Reason -> the first record numbers dropped for it.
        subsampled_from: Rows left after the drops when a subset was taken, else None.
        max_length: The token limit applied (None: none applied).
        length_balance: For a length-balanced subset: the share asked for, and the pairs kept and available
            whose chosen greeting is / is not longer; else None.
        filtered: A filter applied after the drops (e.g. only length-controlled pairs), in words; else None.
    """

    source: str
    rule: str
    records: int = 0
    kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    dropped_examples: dict[str, list[int]] = field(default_factory=dict)
    subsampled_from: int | None = None
    max_length: int | None = None
    length_balance: dict[str, Any] | None = None
    filtered: str | None = None

    def drop(self, reason: str, number: int) -> None:
        """Count one dropped record."""
        self.dropped[reason] = self.dropped.get(reason, 0) + 1
        examples = self.dropped_examples.setdefault(reason, [])
        if len(examples) < EXAMPLES_KEPT:
            examples.append(number)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)

    def summary(self) -> str:
        """One line for a terminal: ``<file>: N records, kept K; dropped: reason n, ...``."""
        drops = ", ".join(f"{reason} {count}" for reason, count in self.dropped.items()) or "none"
        subset = f" (random subset of {self.subsampled_from})" if self.subsampled_from is not None else ""
        if self.length_balance:
            subset += f", {self.length_balance['chosen_not_longer']} with chosen not longer"
        if self.filtered:
            subset += f" [{self.filtered}]"
        return f"{self.source}: {self.records} records, kept {self.kept}{subset}; dropped: {drops}"


def read_preference_pairs(path: str | Path) -> tuple[list[PreferencePair], InputReport]:
    """Read reward-model pairs like ``harness.data.load_preference_pairs``, dropping bad records instead of failing.

    Drops (counted in the report): records without a usable ``chosen``/``rejected`` (:data:`MISSING_SIDE`), records
    without a human turn (:data:`MALFORMED`), and pairs with identical sides (:data:`IDENTICAL`).

    Raises:
        DataError: The file itself is missing or not JSON.
    """
    records = load_records(path)
    report = InputReport(str(path), PAIR_RULE, records=len(records.rows))
    report.dropped = {MISSING_SIDE: 0, MALFORMED: 0, IDENTICAL: 0, OVER_LENGTH: 0}
    pairs = []
    for number, obj in records.rows:
        chosen, rejected = _side_value(obj, "chosen"), _side_value(obj, "rejected")
        prompt = _human_prompt(obj)
        if chosen is None or rejected is None:
            report.drop(MISSING_SIDE, number)
        elif prompt is None:
            report.drop(MALFORMED, number)
        elif match_key(chosen) == match_key(rejected):
            report.drop(IDENTICAL, number)
        else:
            pairs.append(PreferencePair(prompt=prompt, chosen=chosen, rejected=rejected, line=number))
    report.kept = len(pairs)
    return pairs, report


def read_sft_examples(path: str | Path) -> tuple[list[SftExample], InputReport]:
    """Read SFT rows like ``harness.data.load_sft_examples``, dropping bad records (:data:`MALFORMED`).

    Raises:
        DataError: The file itself is missing or not JSON.
    """
    records = load_records(path)
    report = InputReport(str(path), SFT_RULE, records=len(records.rows))
    report.dropped = {MALFORMED: 0, OVER_LENGTH: 0}
    examples = []
    for number, obj in records.rows:
        instruction, output, extra = obj.get("instruction"), obj.get("output"), obj.get("input", "")
        if not _nonblank(instruction) or not _nonblank(output) or not isinstance(extra, str):
            report.drop(MALFORMED, number)
            continue
        if extra.strip():
            instruction = f"{instruction}\n{extra}"
        examples.append(SftExample(instruction=instruction, output=output, line=number))
    report.kept = len(examples)
    return examples, report


def drop_over_length(rows: Sequence[T], report: InputReport, max_length: int, lengths: Sequence[int]) -> list[T]:
    """Drop rows longer than ``max_length`` tokens, counting them (:data:`OVER_LENGTH`) in ``report``.

    Args:
        rows: Rows with a ``line`` attribute.
        report: Updated in place (``dropped``, ``kept``, ``max_length``).
        max_length: The limit in tokens.
        lengths: Each row's length in tokens (for a pair: its longer side), aligned with ``rows``.
    """
    if len(lengths) != len(rows):
        raise ValueError(f"{len(rows)} rows but {len(lengths)} lengths")
    kept = []
    for row, length in zip(rows, lengths, strict=True):
        if length > max_length:
            report.drop(OVER_LENGTH, row.line)  # type: ignore[attr-defined]
        else:
            kept.append(row)
    report.kept = len(kept)
    report.max_length = max_length
    return kept


def subsample(rows: Sequence[T], report: InputReport, max_rows: int | None, seed: int) -> list[T]:
    """Keep a seeded random subset of ``max_rows`` rows, in their file order; all rows when None or enough.

    The same rows, ``max_rows`` and ``seed`` always give the same subset (so a resumed run trains on the same rows).
    """
    if max_rows is None or len(rows) <= max_rows:
        return list(rows)
    chosen = sorted(random.Random(seed).sample(range(len(rows)), max_rows))
    report.subsampled_from = len(rows)
    report.kept = max_rows
    return [rows[i] for i in chosen]


def chosen_not_longer(pair: PreferencePair) -> bool:
    """Whether the chosen greeting is not longer than the rejected one (characters after ``strip()``): the pairs
    on which pick-the-longer is wrong or tied."""
    return char_length(pair.chosen) <= char_length(pair.rejected)


def length_balanced_subsample(
    pairs: Sequence[PreferencePair], report: InputReport, max_rows: int, share: float, seed: int
) -> list[PreferencePair]:
    """Keep ``max_rows`` pairs of which ``share`` have a chosen greeting that is not longer, in file order.

    Upstream only ~4% of pairs have a chosen side that is not longer, so a plain subset teaches mostly "longer is
    better". Here ``round(share * max_rows)`` distinct pairs are drawn from those and the rest from the others,
    each draw seeded, without replacement; the same pairs, size, share and seed always give the same subset.

    Args:
        pairs: The pairs left after the drops.
        report: Updated in place (``kept``, ``subsampled_from``, ``length_balance``).
        max_rows: Pairs to keep (at most all of them).
        share: Target share of chosen-not-longer pairs, in [0, 1].
        seed: Seed of both draws.

    Raises:
        ValueError: Fewer chosen-not-longer pairs than the share needs (the message gives the count).
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share must be in [0, 1], got {share}")
    flagged = [i for i, pair in enumerate(pairs) if chosen_not_longer(pair)]
    others = [i for i, pair in enumerate(pairs) if not chosen_not_longer(pair)]
    want = round(share * min(max_rows, len(pairs)))
    if want > len(flagged):
        raise ValueError(
            f"{report.source}: a length balance of {share:g} over {min(max_rows, len(pairs))} pairs needs {want} "
            f"pairs whose chosen greeting is not longer; the file has {len(flagged)} (lower length_balance or "
            "max_train_rows)"
        )
    rest = min(max_rows - want, len(others))
    rng = random.Random(seed)
    chosen = sorted(rng.sample(flagged, want) + rng.sample(others, rest))
    report.subsampled_from = len(pairs)
    report.kept = len(chosen)
    report.length_balance = {
        "share": share,
        "chosen_not_longer": want,
        "chosen_longer": rest,
        "available_not_longer": len(flagged),
        "available_longer": len(others),
    }
    return [pairs[i] for i in chosen]


def warn_strict_loaders(report: InputReport, log: Callable[[str], None]) -> None:
    """Warn when records were dropped as malformed: the closing evaluation reads the same files with the strict
    harness loaders (creativity's novelty index, the contamination index), which refuse such files."""
    malformed = report.dropped.get(MALFORMED, 0) + report.dropped.get(MISSING_SIDE, 0)
    if malformed:
        log(
            f"warning: {malformed} malformed record(s) in {report.source} were dropped for training; the closing "
            "evaluation reads this file with the strict harness loaders, which refuse it, so that step will report "
            "an error (the trained model is kept)"
        )


def _nonblank(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _side_value(obj: dict[str, Any], field: str) -> str | None:
    side = obj.get(field)
    if not isinstance(side, dict) or not _nonblank(side.get("value")):
        return None
    return side["value"]


def _human_prompt(obj: dict[str, Any]) -> str | None:
    """The last human turn's text, as the harness loader takes it; None when there is none."""
    turns = obj.get("conversations")
    if not isinstance(turns, list):
        return None
    for turn in reversed(turns):
        if isinstance(turn, dict) and turn.get("from") == HUMAN_ROLE:
            return turn["value"] if _nonblank(turn.get("value")) else None
    return None
