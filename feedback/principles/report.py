"""Test-split agreement of the starting and the optimized rules, paired, beside the length rule.

Both rule sets and the length rule judge the same test rows (which the optimizers never saw); intervals are paired
bootstrap intervals over those rows (:func:`harness.stats.paired_difference`), so "after minus before" answers
whether the optimized rules agree better with the labels, and "after minus length rule" whether they beat the rule
the labels mostly follow. AUC is from P(good) where the Detector's provider gives logprobs. Balanced accuracy
(:func:`~feedback.principles.balanced.paired_balanced_accuracy`, what the optimizers choose by) stands beside
accuracy, on the same rows and resamples.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from feedback.principles.balanced import BalancedComparison, paired_balanced_accuracy
from feedback.principles.detector import Detector, verdict_bits
from harness.creativity import char_length
from harness.data import LabelledGreeting
from harness.judges.baselines import length_judgement
from harness.principles import Principles
from harness.report.markdown import fmt_difference, fmt_estimate
from harness.stats import paired_difference

FIGURES = ("accuracy", "balanced_accuracy", "kappa", "auc")
"""The report's figures, in table order (``balanced_accuracy`` from :mod:`.balanced`, the others from harness)."""


def _scores(values: Sequence[float | None]) -> list[float | None] | None:
    """The scores when every row has one (AUC needs them all), else None."""
    return list(values) if values and all(v is not None for v in values) else None


async def before_after_report(
    before: Principles,
    after: Principles,
    detector: Detector,
    rows: Sequence[LabelledGreeting],
    length_threshold: int,
) -> dict[str, Any]:
    """Agreement of ``before``, ``after`` and the length rule on ``rows``, with paired differences.

    Returns:
        ``{"rows", "before", "after", "length_rule", "after_minus_before", "after_minus_length"}``: each a figure ->
        ``{"value", "ci_low", "ci_high"}`` mapping, plus the unscored counts and the rule sets' hashes.
    """
    judged_before = await detector.judge_rows(before, rows)
    judged_after = await detector.judge_rows(after, rows)
    labels = [row.label for row in rows]
    v_before, v_after = verdict_bits(judged_before), verdict_bits(judged_after)
    v_length = verdict_bits([length_judgement(row.response, length_threshold) for row in rows])
    p_before, p_after = _scores([j.p_good for j in judged_before]), _scores([j.p_good for j in judged_after])
    lengths = [float(char_length(row.response)) for row in rows]
    vs_before = paired_difference(v_after, v_before, labels, p_after, p_before)
    vs_length = paired_difference(v_after, v_length, labels, p_after, lengths)
    ba_before = paired_balanced_accuracy(v_after, v_before, labels)
    ba_length = paired_balanced_accuracy(v_after, v_length, labels)
    return {
        "rows": len(rows),
        "before_sha256": before.sha256,
        "after_sha256": after.sha256,
        "unscored": {"before": v_before.count(None), "after": v_after.count(None)},
        "before": _figures(vs_before.baseline.figures, ba_before, "baseline"),
        "after": _figures(vs_before.judge.figures, ba_before, "judge"),
        "length_rule": _figures(vs_length.baseline.figures, ba_length, "baseline"),
        "after_minus_before": _figures(vs_before.difference, ba_before, "difference"),
        "after_minus_length": _figures(vs_length.difference, ba_length, "difference"),
        "paired_rows": {"before": vs_before.n, "length": vs_length.n},
    }


def _figures(estimates: dict[str, Any], balanced: BalancedComparison, side: str) -> dict[str, dict[str, float | None]]:
    """Figure -> value and interval, harness's figures with ``side`` (judge, baseline or difference) of ``balanced``."""
    estimates = {**estimates, "balanced_accuracy": getattr(balanced, side)}
    return {
        name: {"value": e.value, "ci_low": e.ci_low, "ci_high": e.ci_high}
        for name in FIGURES
        if (e := estimates.get(name)) is not None
    }


def _cell(figure: dict[str, float | None] | None, signed: bool = False) -> str:
    """A figure with its interval (the cards' own formatting); an en dash when there is no figure."""
    if not figure or figure["value"] is None:
        return "–"
    return fmt_difference(figure) if signed else fmt_estimate(figure)


def report_rows(label: str, report: dict[str, Any]) -> list[str]:
    """Markdown table rows (one per figure) of one optimizer's report: before, after, length rule, differences."""
    return [
        f"| {label} | {name} | {_cell(report['before'].get(name))} | {_cell(report['after'].get(name))} | "
        f"{_cell(report['length_rule'].get(name))} | {_cell(report['after_minus_before'].get(name), True)} | "
        f"{_cell(report['after_minus_length'].get(name), True)} |"
        for name in FIGURES
    ]


REPORT_HEADER = (
    "| optimizer | figure | before | after | length rule | after − before | after − length rule |\n"
    "|---|---|---|---|---|---|---|"
)
