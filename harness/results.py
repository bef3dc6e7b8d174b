"""Reading the headline figures of a finished Inspect log, for the CLI and for leaderboards."""

from __future__ import annotations

from dataclasses import dataclass

from inspect_ai.log import EvalLog


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
        One summary per scorer; empty when the log has no results (e.g. it errored).
    """
    if log.results is None:
        return []
    summaries = []
    for score in log.results.scores:
        unscored = score.unscored_samples or 0
        scored = score.scored_samples if score.scored_samples is not None else log.results.completed_samples
        summaries.append(
            ScorerSummary(
                scorer=score.name,
                metrics={name: m.value for name, m in score.metrics.items()},
                scored=scored,
                unscored=unscored,
            )
        )
    return summaries


def format_summary(log: EvalLog) -> str:
    """A plain-text table of a log's results, for terminals.

    Rates are shown with their 95% interval when the scorer reports one (``<metric>_ci_low``/``_ci_high``); the
    generation seed (None when the run had none) is shown beside the sample count.
    """
    roles = {role: cfg.model for role, cfg in (log.eval.model_roles or {}).items()}
    lines = [
        f"task   {log.eval.task}  (v{log.eval.task_version})",
        f"model  {log.eval.model}",
        *(f"{role:<6} {model}" for role, model in roles.items()),
        f"status {log.status}  samples {log.results.completed_samples if log.results else 0}"
        f"  seed {log.plan.config.seed}",
        "",
        f"{'scorer':<18} {'metric':<18} {'value':>8}  {'95% CI':<16} {'unscored':>8}",
    ]
    for summary in scorer_summaries(log):
        shown = {k: v for k, v in summary.metrics.items() if not k.endswith(("_ci_low", "_ci_high"))}
        for name, value in shown.items():
            low, high = summary.metrics.get(f"{name}_ci_low"), summary.metrics.get(f"{name}_ci_high")
            ci = f"[{low:.3f}, {high:.3f}]" if low is not None and high is not None else ""
            lines.append(
                f"{summary.scorer:<18} {name:<18} {value:>8.3f}  {ci:<16} "
                f"{summary.unscored:>3}/{summary.scored + summary.unscored:<4}"
            )
    lines += ["", f"log    {log.location}"]
    return "\n".join(lines)
