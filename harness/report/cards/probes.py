"""A card's probe section: the figures of the latest matching probe log per side (undefended, defended)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from inspect_ai.log import EvalLog

from harness.interval_keys import figures_with_intervals
from harness.report.cards.specs import ALL_TRAITS, TRAITS_BY_JUDGE, CardSpec, run_traits
from harness.report.logs import log_path, log_sha256
from harness.report.table import PROBE_SCORER, probe_defended, probe_judge


def _probe_matches(spec: CardSpec, probe: EvalLog) -> bool:
    """A probe log belongs to a card when it probed the same judge with the same relevant traits.

    Relevant traits are those that can change that judge's verdicts (:data:`TRAITS_BY_JUDGE`) other than the split:
    the judge model and principles for an LLM judge, the checkpoint for the reward model, none for the length rule.
    A trait missing on either side does not block the match.
    """
    if probe_judge(probe) != spec.judge:
        return False
    card, probed = run_traits(spec.log), run_traits(probe)
    relevant = [t for t in TRAITS_BY_JUDGE.get(spec.judge, ALL_TRAITS) if t != "split"]
    return all(not card[t] or not probed[t] or card[t] == probed[t] for t in relevant)


def probe_section(spec: CardSpec, probes: Sequence[EvalLog]) -> dict[str, Any] | None:
    """The probe figures of a card's judge, the latest probe log per side (undefended, defended).

    Every metric of the probe log's ``probe`` scorer is read (:func:`probe_metrics`).

    Returns:
        ``{"undefended": {...} | None, "defended": {...} | None, "logs": [...]}``, or None when no probe log matches.
    """
    latest: dict[bool, EvalLog] = {}
    for probe in probes:  # oldest first: later ones replace earlier ones
        if _probe_matches(spec, probe):
            latest[probe_defended(probe)] = probe
    if not latest:
        return None
    section: dict[str, Any] = {"undefended": None, "defended": None, "logs": []}
    for defended, probe in sorted(latest.items()):
        section["defended" if defended else "undefended"] = probe_metrics(probe)
        section["logs"].append(
            {
                "path": str(log_path(probe)),
                "sha256": log_sha256(probe),
                "defended": defended,
                "created": probe.eval.created,
                "task_args": dict(probe.eval.task_args or {}),
                "model_roles": {role: config.model for role, config in (probe.eval.model_roles or {}).items()},
            }
        )
    return section


def probe_metrics(log: EvalLog) -> dict[str, dict[str, float | None]]:
    """Figure name -> ``{"value", "ci_low", "ci_high", "n"}`` from every metric of a probe log's ``probe`` scorer.

    Read generically: figures and their intervals are paired by :func:`harness.interval_keys.figures_with_intervals`
    (``position_flip_rate`` -> ``position_flip``, ``_rate`` dropped from the name); a figure's count is
    ``<metric>_n`` or, for ``<probe>_rate``, ``<probe>_n``. A count no figure claims is kept as a figure itself.
    """
    metrics: dict[str, float | None] = {}
    for score in log.results.scores if log.results else []:
        if score.name == PROBE_SCORER:
            metrics |= {name: None if m.value is None else float(m.value) for name, m in score.metrics.items()}
    figures = figures_with_intervals(metrics)
    counts = {k for name in figures for k in _count_keys(name) if k != name and k in figures}
    out: dict[str, dict[str, float | None]] = {}
    for name, (value, low, high) in figures.items():
        if name in counts:
            continue
        entry: dict[str, float | None] = {"value": value}
        if low is not None and high is not None:
            entry |= {"ci_low": low, "ci_high": high}
        count = next((k for k in _count_keys(name) if k in counts), None)
        if count is not None:
            entry["n"] = metrics[count]
        out[name.removesuffix("_rate")] = entry
    return out


def _count_keys(name: str) -> tuple[str, str]:
    """Where a figure's count may be: ``<metric>_n``, or ``<probe>_n`` for ``<probe>_rate``."""
    return f"{name}_n", f"{name.removesuffix('_rate')}_n"
