"""From judged candidates to preference pairs: judged-good against judged-bad of the same request, each distinct,
optionally length-balanced.

Rules, in order (each candidate or pair counted under the first rule that removes it):

1. A candidate takes no side when it is empty, repeats an earlier candidate of its request (compared stripped:
   one judgement serves both), was cut at ``max_tokens`` (an unfinished greeting; ``keep_truncated`` keeps it),
   has no judgement yet (its judge call failed), or its judgement is malformed (no verdict: never read as one).
2. Its side is the judge's verdict, or, with a ``threshold``, good iff P(good) >= threshold (a candidate without
   P(good) then takes no side).
3. Every good candidate of a request is paired with every bad one: (request, chosen=good, rejected=bad).
4. With ``min_gap`` > 0, a pair whose chosen P(good) does not exceed the rejected one's by at least ``min_gap`` is
   dropped (so is a pair missing either P(good)).
5. Balance (:data:`BALANCES`): ``none`` keeps every pair; ``ratio`` keeps pairs whose lengths differ by at most
   ``max_length_ratio`` of the longer greeting (the RM report's ``similar_length``); ``half`` keeps every pair whose
   chosen greeting is not longer and as many seeded-random others, so that chosen is longer in half of them
   (:func:`trainers.data.length_balanced_subsample`; none kept when no chosen is not longer).

Deduplication happens before pairing, so every pair is distinct: a request listed twice is taken once, and a
greeting the policy wrote twice for a request is judged and paired once (rule 1). Length is
:func:`harness.creativity.char_length` (characters of the stripped greeting) throughout.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

from feedback.preferences.loop import trace_id
from feedback.preferences.queries import Query
from feedback.preferences.sampling import Candidate
from harness.creativity import char_length
from harness.data import PreferencePair
from harness.data.checks import match_key
from trainers.data import InputReport, length_balanced_subsample
from trainers.rm_eval import SIMILAR_LENGTH_RATIO, ScoredPair

Balance = Literal["none", "ratio", "half"]
BALANCES: tuple[str, ...] = ("none", "ratio", "half")

# Why a candidate takes no side (rule 1, 2).
EMPTY, DUPLICATE, TRUNCATED, UNJUDGED, MALFORMED, NO_P_GOOD = (
    "empty",
    "duplicate",
    "truncated",
    "unjudged",
    "malformed",
    "no_p_good",
)
LEFT_OUT_REASONS = (EMPTY, DUPLICATE, TRUNCATED, UNJUDGED, MALFORMED, NO_P_GOOD)


@dataclass(frozen=True)
class PairingSettings:
    """How candidates become pairs (not part of the run folder's identity: re-pairing needs no new calls).

    Attributes:
        threshold: Good iff P(good) >= threshold; None uses the judge's verdict.
        min_gap: Least P(good) margin of chosen over rejected (0: none asked).
        balance: ``none``, ``ratio`` or ``half`` (see the module docstring).
        max_length_ratio: The ``ratio`` balance's bound, in [0, 1].
        keep_truncated: Pair candidates cut at ``max_tokens`` too.
        seed: Seed of the ``half`` balance's draw.
    """

    threshold: float | None = None
    min_gap: float = 0.0
    balance: Balance = "none"
    max_length_ratio: float = SIMILAR_LENGTH_RATIO
    keep_truncated: bool = False
    seed: int = 42

    def __post_init__(self) -> None:
        """Check values that no type can express."""
        if self.threshold is not None and not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {self.threshold}")
        if not 0.0 <= self.min_gap <= 1.0:
            raise ValueError(f"min_gap must be in [0, 1], got {self.min_gap}")
        if self.balance not in BALANCES:
            raise ValueError(f"balance must be one of {', '.join(BALANCES)}, got {self.balance!r}")
        if not 0.0 <= self.max_length_ratio <= 1.0:
            raise ValueError(f"max_length_ratio must be in [0, 1], got {self.max_length_ratio}")

    def rule(self) -> str:
        """How a side is decided, in words."""
        return "verdict" if self.threshold is None else f"P(good) >= {self.threshold:g}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "side_rule": self.rule(),
            "threshold": self.threshold,
            "min_gap": self.min_gap,
            "balance": self.balance,
            "max_length_ratio": self.max_length_ratio if self.balance == "ratio" else None,
            "keep_truncated": self.keep_truncated,
            "seed": self.seed if self.balance == "half" else None,
        }


@dataclass(frozen=True)
class JudgedCandidate:
    """A candidate with its judgement and the side it takes.

    Attributes:
        query: Its request.
        candidate: The sampled candidate.
        text: Its stripped text.
        judgement: Its judgement record (None when not judged).
        side: ``good``, ``bad``, or None (see ``left_out``).
        left_out: Why it takes no side (one of :data:`LEFT_OUT_REASONS`), or None.
    """

    query: Query
    candidate: Candidate
    text: str
    judgement: dict[str, Any] | None
    side: str | None
    left_out: str | None

    @property
    def chars(self) -> int:
        """Its length in characters (stripped)."""
        return char_length(self.text)

    @property
    def p_good(self) -> float | None:
        """The judge's P(good), or None."""
        return None if self.judgement is None else self.judgement.get("p_good")


@dataclass(frozen=True)
class MadePair:
    """One preference pair and where it came from."""

    query: Query
    chosen: JudgedCandidate
    rejected: JudgedCandidate

    @property
    def chosen_chars(self) -> int:
        """Length of the chosen greeting."""
        return self.chosen.chars

    @property
    def rejected_chars(self) -> int:
        """Length of the rejected greeting."""
        return self.rejected.chars

    def preference_pair(self, line: int = 0) -> PreferencePair:
        """As the trainers' :class:`PreferencePair` (the human turn is the bare request)."""
        return PreferencePair(prompt=self.query.text, chosen=self.chosen.text, rejected=self.rejected.text, line=line)


@dataclass(frozen=True)
class Pairing:
    """Pairs and how they were made.

    Attributes:
        candidates: Every candidate of the run's requests, with its side.
        judge_pairs: Every good x bad pair after the ``min_gap`` rule: the judge's own choices.
        pairs: The pairs written (after balancing).
        counts: Pairs dropped by each pair rule (``min_gap``, ``balance``).
        balance_report: What the ``half`` balance drew from (None otherwise).
    """

    candidates: list[JudgedCandidate]
    judge_pairs: list[MadePair]
    pairs: list[MadePair]
    counts: dict[str, int]
    balance_report: dict[str, Any] | None


def classify(
    queries: list[Query],
    samples: dict[str, list[Candidate]],
    judgements: dict[str, dict[str, Any]],
    judge_key: str,
    settings: PairingSettings,
) -> list[JudgedCandidate]:
    """Give every sampled candidate its judgement and side (rules 1-2), in request and candidate order; a request
    listed twice is taken once."""
    judged = []
    for query in {q.id: q for q in queries}.values():  # one id, one text
        seen: set[str] = set()
        for candidate in samples.get(query.id, []):
            text = match_key(candidate.text)
            record = judgements.get(trace_id(judge_key, query.text, text)) if text else None
            left_out = _left_out(text, seen, candidate, record, settings)
            seen.add(text)
            side = None if left_out else _side(record, settings)  # type: ignore[arg-type]
            judged.append(JudgedCandidate(query, candidate, text, record, side, left_out))
    return judged


def _left_out(
    text: str, seen: set[str], candidate: Candidate, record: dict[str, Any] | None, settings: PairingSettings
) -> str | None:
    if not text:
        return EMPTY
    if text in seen:
        return DUPLICATE
    if candidate.truncated and not settings.keep_truncated:
        return TRUNCATED
    if record is None:
        return UNJUDGED
    if record.get("verdict") not in ("good", "bad"):
        return MALFORMED
    if settings.threshold is not None and record.get("p_good") is None:
        return NO_P_GOOD
    return None


def _side(record: dict[str, Any], settings: PairingSettings) -> str:
    if settings.threshold is None:
        return record["verdict"]
    return "good" if record["p_good"] >= settings.threshold else "bad"


def make_pairs(candidates: list[JudgedCandidate], settings: PairingSettings) -> Pairing:
    """Pair, filter and balance (rules 3-5).

    Args:
        candidates: From :func:`classify`.
        settings: The pairing rules.

    Returns:
        The pairs and their counts; ``pairs`` is empty when no request has both a good and a bad candidate (the
        report says why).
    """
    counts = Counter({"min_gap": 0, "balance": 0})
    by_query: dict[str, list[JudgedCandidate]] = {}
    for judged in candidates:
        by_query.setdefault(judged.query.id, []).append(judged)
    judge_pairs: list[MadePair] = []
    for group in by_query.values():
        good = [c for c in group if c.side == "good"]
        bad = [c for c in group if c.side == "bad"]
        for chosen in good:
            for rejected in bad:
                pair = MadePair(chosen.query, chosen, rejected)
                if settings.min_gap > 0 and not _gap_holds(pair, settings.min_gap):
                    counts["min_gap"] += 1
                else:
                    judge_pairs.append(pair)
    pairs, balance_report = _balance(judge_pairs, settings)
    counts["balance"] = len(judge_pairs) - len(pairs)
    return Pairing(candidates, judge_pairs, pairs, dict(counts), balance_report)


def _gap_holds(pair: MadePair, gap: float) -> bool:
    chosen, rejected = pair.chosen.p_good, pair.rejected.p_good
    return chosen is not None and rejected is not None and chosen - rejected >= gap


def _balance(pairs: list[MadePair], settings: PairingSettings) -> tuple[list[MadePair], dict[str, Any] | None]:
    if settings.balance == "ratio":
        ratio = settings.max_length_ratio
        kept = [p for p in pairs if ScoredPair.from_pair(p.preference_pair(), 0.0, 0.0).similar_length(ratio)]
        return kept, None
    if settings.balance == "half":
        rows = [pair.preference_pair(line=i) for i, pair in enumerate(pairs)]
        not_longer = sum(1 for p in pairs if p.chosen_chars <= p.rejected_chars)
        size = 2 * min(not_longer, len(pairs) - not_longer)
        report = InputReport(source="judge pairs", rule="length-balanced: chosen longer in half")
        drawn = length_balanced_subsample(rows, report, size, 0.5, settings.seed) if size else []
        balance = report.length_balance or {
            "share": 0.5,
            "chosen_not_longer": 0,
            "chosen_longer": 0,
            "available_not_longer": not_longer,
            "available_longer": len(pairs) - not_longer,
        }
        return [pairs[row.line] for row in drawn], balance
    return list(pairs), None
