"""What a preference run made, in figures: counts, the judge's agreement with length, the pairs' length balance,
the cost, and, when there are no pairs, why.

The paper's released RM pairs choose the longer greeting 96% of the time, and a reward model trained on them learns
length. So every run reports how often its judge's own choices (every good x bad pair, before balancing) go to
the longer greeting, and the same for the pairs it wrote, beside the released pairs' share when the data is at hand.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from feedback.preferences.loop import Collected
from feedback.preferences.pairing import LEFT_OUT_REASONS, JudgedCandidate, MadePair, Pairing, PairingSettings
from harness.creativity import char_length
from harness.data import PreferencePair


def length_balance(pairs: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """Length facts of (chosen chars, rejected chars) pairs.

    Returns:
        ``pairs``; ``chosen_longer``, ``equal``, ``chosen_shorter`` (shares); ``longer_wins`` (chosen longer, ties
        half: the length rule's agreement with the choice, i.e. the AUC of length); ``median_ratio`` (chosen over
        rejected chars; None if a side is empty); mean lengths. Shares are None for no pairs.
    """
    n = len(pairs)
    longer = sum(1 for c, r in pairs if c > r)
    equal = sum(1 for c, r in pairs if c == r)
    ratios = [c / r for c, r in pairs if r > 0]
    return {
        "pairs": n,
        "chosen_longer": longer / n if n else None,
        "equal": equal / n if n else None,
        "chosen_shorter": (n - longer - equal) / n if n else None,
        "longer_wins": (longer + 0.5 * equal) / n if n else None,
        "median_ratio": statistics.median(ratios) if ratios else None,
        "mean_chosen_chars": statistics.fmean(c for c, _ in pairs) if n else None,
        "mean_rejected_chars": statistics.fmean(r for _, r in pairs) if n else None,
    }


def _lengths(pairs: Sequence[MadePair]) -> list[tuple[int, int]]:
    return [(p.chosen_chars, p.rejected_chars) for p in pairs]


def released_balance(pairs: Sequence[PreferencePair]) -> dict[str, Any]:
    """:func:`length_balance` of released pairs (identical sides left out: they prefer nothing)."""
    return length_balance(
        [(char_length(p.chosen), char_length(p.rejected)) for p in pairs if p.chosen.strip() != p.rejected.strip()]
    )


def _spearman(candidates: Sequence[JudgedCandidate]) -> float | None:
    """Rank correlation of P(good) with length over candidates that took a side and have P(good)."""
    points = [(c.p_good, c.chars) for c in candidates if c.side is not None and c.p_good is not None]
    if len(points) < 3 or len({p for p, _ in points}) < 2 or len({n for _, n in points}) < 2:
        return None
    from scipy.stats import spearmanr

    value = float(spearmanr([p for p, _ in points], [n for _, n in points]).statistic)
    return None if math.isnan(value) else value


def no_pairs_reason(pairing: Pairing, settings: PairingSettings, requests: int, sampled: int) -> str | None:
    """Why no pair was written, in one sentence; None when there are pairs."""
    if pairing.pairs:
        return None
    candidates = pairing.candidates
    if not sampled:
        return f"no pairs: none of the {requests} requests has samples yet (see the sampling errors)"
    good = sum(1 for c in candidates if c.side == "good")
    bad = sum(1 for c in candidates if c.side == "bad")
    if not good and not bad:
        left = Counter(c.left_out for c in candidates)
        shown = ", ".join(f"{reason} {left[reason]}" for reason in LEFT_OUT_REASONS if left[reason])
        return f"no pairs: no candidate could be sorted into good or bad ({shown})"
    if not bad:
        return f"no pairs: the judge called every scored candidate good ({good} of {good}); nothing to pair them with"
    if not good:
        return f"no pairs: the judge called every scored candidate bad ({bad} of {bad}); nothing to prefer"
    if not pairing.judge_pairs and pairing.counts.get("min_gap"):
        return f"no pairs: all {pairing.counts['min_gap']} good x bad pairs fall short of min_gap {settings.min_gap:g}"
    if not pairing.judge_pairs:
        return f"no pairs: {good} good and {bad} bad candidates, but never a good and a bad for the same request"
    if settings.balance == "half":
        return (
            f"no pairs: the half balance needs pairs whose chosen greeting is not longer, and none of the judge's "
            f"{len(pairing.judge_pairs)} pairs has one"
        )
    return (
        f"no pairs: none of the judge's {len(pairing.judge_pairs)} pairs has lengths within "
        f"{settings.max_length_ratio:.0%} of each other"
    )


@dataclass(frozen=True)
class Cost:
    """Where a run's time and calls went (every session that finished a phase, plus the judgement records).

    Attributes:
        sampling_seconds: Wall time of the finished sampling phases.
        requests_sampled: Requests sampled in those phases.
        judging_seconds: Wall time of the finished judging phases of this judge.
        items_judged: Greetings judged in those phases.
        judge_calls: Model calls behind every judgement of this run's greetings (from the records themselves).
        judgements: Those judgements.
    """

    sampling_seconds: float
    requests_sampled: int
    judging_seconds: float
    items_judged: int
    judge_calls: int
    judgements: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with seconds per request and per judged item (None when nothing was done)."""
        return {
            "sampling_seconds": round(self.sampling_seconds, 1),
            "requests_sampled": self.requests_sampled,
            "seconds_per_request": round(self.sampling_seconds / self.requests_sampled, 2)
            if self.requests_sampled
            else None,
            "judging_seconds": round(self.judging_seconds, 1),
            "items_judged": self.items_judged,
            "seconds_per_judged_item": round(self.judging_seconds / self.items_judged, 2)
            if self.items_judged
            else None,
            "judge_calls": self.judge_calls,
            "judgements": self.judgements,
            "calls_per_judgement": round(self.judge_calls / self.judgements, 2) if self.judgements else None,
        }


def run_cost(sessions: Sequence[dict[str, Any]], judge_key: str, judgements: dict[str, dict[str, Any]]) -> Cost:
    """Sum the finished phases in ``sessions.jsonl`` (this judge's judging phases only) and the records' calls."""
    sampling = [s for s in sessions if s.get("phase") == "sample"]
    judging = [s for s in sessions if s.get("phase") == "judge" and s.get("judge") == judge_key]
    return Cost(
        sampling_seconds=sum(s.get("seconds", 0.0) for s in sampling),
        requests_sampled=sum(s.get("done", 0) for s in sampling),
        judging_seconds=sum(s.get("seconds", 0.0) for s in judging),
        items_judged=sum(s.get("done", 0) for s in judging),
        judge_calls=sum(int(r.get("calls", 0)) for r in judgements.values()),
        judgements=len(judgements),
    )


def preference_report(
    pairing: Pairing,
    settings: PairingSettings,
    collected: Collected,
    cost: Cost,
    *,
    requests: int,
    released: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every figure of a run (JSON-ready).

    Args:
        pairing: The pairs and their counts.
        settings: The pairing rules.
        collected: What the run folder holds and what this session did.
        cost: From :func:`run_cost`.
        requests: Requests asked for.
        released: :func:`released_balance` of the paper's RM-train pairs, when at hand.
    """
    candidates = pairing.candidates
    left = Counter(c.left_out for c in candidates if c.left_out)
    sides = Counter(c.side for c in candidates if c.side)
    by_query: dict[str, set[str]] = {}
    for c in candidates:
        by_query.setdefault(c.query.id, set()).update([c.side] if c.side else [])
    malformed_records = sum(1 for r in collected.judgements.values() if r.get("malformed"))
    good_chars = [c.chars for c in candidates if c.side == "good"]
    bad_chars = [c.chars for c in candidates if c.side == "bad"]
    return {
        "requests": requests,
        "requests_sampled": len(collected.samples),
        "candidates": len(candidates),
        "left_out": {reason: left[reason] for reason in LEFT_OUT_REASONS},
        "good": sides["good"],
        "bad": sides["bad"],
        "malformed_judgements": malformed_records,
        "requests_by_sides": {
            "good_and_bad": sum(1 for s in by_query.values() if s == {"good", "bad"}),
            "only_good": sum(1 for s in by_query.values() if s == {"good"}),
            "only_bad": sum(1 for s in by_query.values() if s == {"bad"}),
            "none": sum(1 for s in by_query.values() if not s),
        },
        "mean_chars": {
            "good": statistics.fmean(good_chars) if good_chars else None,
            "bad": statistics.fmean(bad_chars) if bad_chars else None,
        },
        "judge_pairs": len(pairing.judge_pairs),
        "pairs": len(pairing.pairs),
        "dropped_pairs": pairing.counts,
        "balance_draw": pairing.balance_report,
        "judge_vs_length": {
            **length_balance(_lengths(pairing.judge_pairs)),
            "p_good_length_spearman": _spearman(candidates),
        },
        "pairs_length_balance": length_balance(_lengths(pairing.pairs)),
        "released_rm_train_length_balance": released,
        "pairing": settings.to_dict(),
        "cost": cost.to_dict(),
        "this_session": {"sampling": collected.sampling.to_dict(), "judging": collected.judging.to_dict()},
        "no_pairs": no_pairs_reason(pairing, settings, requests, len(collected.samples)),
    }


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def summary_lines(report: dict[str, Any]) -> list[str]:
    """The few lines a terminal shows."""
    judge, pairs, cost = report["judge_vs_length"], report["pairs_length_balance"], report["cost"]
    left = ", ".join(f"{k} {v}" for k, v in report["left_out"].items() if v) or "none"
    lines = [
        f"requests   {report['requests_sampled']}/{report['requests']} sampled, {report['candidates']} candidates "
        f"(left out: {left})",
        f"judged     {report['good']} good, {report['bad']} bad, {report['malformed_judgements']} malformed; "
        f"{cost['judge_calls']} judge calls, {_num(cost['seconds_per_judged_item'])} s per judged item",
        f"pairs      {report['pairs']} written of {report['judge_pairs']} judge pairs "
        f"(dropped: {', '.join(f'{k} {v}' for k, v in report['dropped_pairs'].items())})",
        f"length     judge's choice is the longer greeting in {_pct(judge['chosen_longer'])} of its pairs "
        f"(equal {_pct(judge['equal'])}); written pairs: chosen longer {_pct(pairs['chosen_longer'])}",
    ]
    released = report["released_rm_train_length_balance"]
    if released:
        lines.append(f"           released RM-train pairs: chosen longer {_pct(released['chosen_longer'])}")
    if report["no_pairs"]:
        lines.append(report["no_pairs"])
    return lines


def report_markdown(report: dict[str, Any], title: str = "Preference pairs") -> str:
    """The report as a short Markdown page."""
    judge, pairs, cost = report["judge_vs_length"], report["pairs_length_balance"], report["cost"]
    released = report["released_rm_train_length_balance"] or {}
    rows = [
        ("judge's pairs (every good x bad)", judge),
        ("written pairs", pairs),
        ("released RM-train pairs", released),
    ]
    table = "\n".join(
        f"| {name} | {figures.get('pairs', '–')} | {_pct(figures.get('chosen_longer'))} | "
        f"{_pct(figures.get('equal'))} | {_pct(figures.get('chosen_shorter'))} | {_num(figures.get('median_ratio'))} |"
        for name, figures in rows
        if figures
    )
    lines = [
        f"# {title}",
        "",
        *[f"- {line.strip()}" for line in summary_lines(report)],
        "",
        "| pairs | n | chosen longer | equal | chosen shorter | median chars ratio |",
        "|---|---:|---:|---:|---:|---:|",
        table,
        "",
        f"P(good) vs length (Spearman, candidates with a side): {_num(judge['p_good_length_spearman'])}. "
        f"Mean length of good / bad candidates: {_num(report['mean_chars']['good'], 1)} / "
        f"{_num(report['mean_chars']['bad'], 1)} characters.",
        "",
        f"Cost: sampling {cost['sampling_seconds']} s for {cost['requests_sampled']} requests; judging "
        f"{cost['judging_seconds']} s for {cost['items_judged']} greetings ({cost['judge_calls']} judge calls over "
        f"{cost['judgements']} judgements).",
        "",
    ]
    return "\n".join(lines)
