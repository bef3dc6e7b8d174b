"""Where a card's figures come from: the log's file, run, task, models, split and the judge's score metadata."""

from __future__ import annotations

from typing import Any

from inspect_ai.log import EvalLog

from harness.report.logs import log_path, log_sha256
from harness.report.table import LENGTH_SCORER


def _score_metadata(log: EvalLog, judge: str) -> dict[str, Any]:
    """Threshold and fit provenance from the first sample's score of ``judge`` (what every sample shares)."""
    keep = (
        "threshold",
        "threshold_source",
        "fit_on",
        "split_digest",
        "checkpoint",
        "rm_sha256",
        "rm_weights_sha256",
        "rm_threshold_sha256",
        "principles",
        "principles_sha256",
    )
    for sample in log.samples or []:
        score = (sample.scores or {}).get(judge)
        if score is not None and score.metadata:
            return {k: score.metadata[k] for k in keep if k in score.metadata}
    return {}


def _log_provenance(log: EvalLog, judge: str) -> dict[str, Any]:
    meta = log.eval.metadata or {}
    scorer = next((s for s in log.eval.scorers or [] if s.name == judge), None)
    return {
        "path": str(log_path(log)),
        "sha256": log_sha256(log),
        "eval_id": log.eval.eval_id,
        "run_id": log.eval.run_id,
        "created": log.eval.created,
        "task": log.eval.task,
        "task_version": log.eval.task_version,
        "task_args": dict(log.eval.task_args or {}),
        "model": log.eval.model,
        "model_roles": {role: config.model for role, config in (log.eval.model_roles or {}).items()},
        "scorer_options": dict(scorer.options or {}) if scorer else {},
        "split": meta.get("split"),
        "split_digest": meta.get("split_digest"),
        "split_provenance": meta.get("split_provenance"),
        "eval_set_sha256": meta.get("eval_set_sha256"),
        "contamination_digest": (meta.get("contamination") or {}).get("digest"),
        "principles": meta.get("principles"),
        "principles_sha256": meta.get("principles_sha256"),
        "overlaps_fitting_rows": meta.get("overlaps_fitting_rows"),
        "fitting_note": meta.get("fitting_note"),
        "judge_score_metadata": _score_metadata(log, judge),
        "baseline_score_metadata": _score_metadata(log, LENGTH_SCORER),
    }
