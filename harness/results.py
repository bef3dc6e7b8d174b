"""Reading the headline figures of a finished Inspect log, for the CLI and for leaderboards.

The figures are read from the log frames (:mod:`harness.logs.frames`): :func:`~harness.logs.frames.runs_frame` for
what the run was, :func:`~harness.logs.frames.scorer_metrics_frame` for each scorer's metrics.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from inspect_ai.log import EvalLog

from harness.interval_keys import figures_with_intervals
from harness.logs.frames import runs_frame, scorer_metrics_frame


@dataclass(frozen=True)
class ScorerSummary:
    """One scorer's figures in a log.

    Attributes:
        scorer: Scorer name as logged (``principle_judge``, ``creativity``).
        metrics: Metric name -> value.
        scored: Samples with a value.
        unscored: Samples the scorer could not score (e.g. unreadable judge output).
    """

    scorer: str
    metrics: dict[str, float]
    scored: int
    unscored: int


def scorer_summaries(log: EvalLog) -> list[ScorerSummary]:
    """The figures of every scorer in a log, in the order the task declares its scorers.

    Args:
        log: A finished log (header only is enough).

    Returns:
        One summary per scorer; empty when the log has no results (e.g. it errored). A scorer that does not log
        its scored samples counts the run's completed samples.
    """
    completed = log.results.completed_samples if log.results else 0
    frame = scorer_metrics_frame([log]).with_columns(pl.col("scored").fill_null(completed))
    return [
        ScorerSummary(
            scorer=scorer,
            metrics={r["metric"]: r["value"] for r in rows.iter_rows(named=True) if r["metric"] is not None},
            scored=rows["scored"][0],
            unscored=rows["unscored"][0],
        )
        for (scorer,), rows in frame.group_by("scorer", maintain_order=True)
    ]


def format_summary(log: EvalLog) -> str:
    """A plain-text table of a log's results, for terminals.

    Rates are shown with their 95% interval when the scorer reports one (see :mod:`harness.interval_keys`); the
    generation seed (None when the run had none) is shown beside the sample count.
    """
    run = runs_frame([log]).row(0, named=True)
    lines = [
        f"task   {run['task']}  (v{run['task_version']})",
        f"model  {run['model']}",
        *(f"{role['role']:<6} {role['model']}" for role in run["roles"]),
        f"status {run['status']}  samples {run['completed_samples']}  seed {run['seed']}",
        "",
        f"{'scorer':<18} {'metric':<18} {'value':>8}  {'95% CI':<16} {'unscored':>8}",
    ]
    for summary in scorer_summaries(log):
        for name, (value, low, high) in figures_with_intervals(summary.metrics).items():
            ci = f"[{low:.3f}, {high:.3f}]" if low is not None and high is not None else ""
            lines.append(
                f"{summary.scorer:<18} {name:<18} {value:>8.3f}  {ci:<16} "
                f"{summary.unscored:>3}/{summary.scored + summary.unscored:<4}"
            )
    lines += ["", f"log    {log.location}"]
    return "\n".join(lines)
