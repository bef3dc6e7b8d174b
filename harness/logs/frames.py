"""Inspect logs as polars frames: one row per sample and scorer, one row per log, one row per log, scorer and metric.

The frames hold what the leaderboard, the judge report and the CLI's results table read from logs, so each of them
reads the same columns instead of walking Inspect's objects its own way. An unscored sample (a judge output that
could not be parsed) has a null ``value`` and its ``unscored_reason``: never a 0, never dropped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl
from inspect_ai.log import EvalLog

from harness.json_ready import json_ready
from harness.judge_names import RM_IDENTITY

EXCELLENCE = "excellence_rate"
"""The judges' headline metric; a scorer that reports it is a judge."""

P_GOOD_KEY = "p_good"
"""Score-metadata key of an LLM judge's P(good), read from logprobs at the verdict token (None without logprobs)."""

P_GOOD_MISSING_KEY = "p_good_missing_reason"
"""Score-metadata key saying why ``p_good`` is None."""

REWARD_KEY = "reward"
"""Score-metadata key of the reward model's continuous reward."""

REPORTED_KEY = "reported"
"""Sample-metadata key: False on rows a run scored only to fit on (``judge_agreement(calibrate=True)``'s dev rows)."""

PRINCIPLES_KEY = "principles_sha256"
"""Where a task records its principles' content hash (header metadata) and a judge the hash it used (scores)."""

SAMPLE_SCORES_SCHEMA: dict[str, Any] = {
    "log": pl.String,
    "sample_id": pl.String,
    "epoch": pl.Int64,
    "scorer": pl.String,
    "value": pl.Float64,
    "value_json": pl.String,
    "unscored_reason": pl.String,
    "answer": pl.String,
    "explanation": pl.String,
    "reason": pl.String,
    "p_good": pl.Float64,
    "p_good_missing_reason": pl.String,
    "reward": pl.Float64,
    "principles_sha256": pl.String,
    "rm_identity": pl.String,
    "query": pl.String,
    "label": pl.Int8,
    "length": pl.Int64,
    "contaminated": pl.Boolean,
    "split_side": pl.String,
    "reported": pl.Boolean,
}
"""Columns of :func:`sample_scores_frame`."""

RUNS_SCHEMA: dict[str, Any] = {
    "log": pl.String,
    "eval_id": pl.String,
    "created": pl.String,
    "status": pl.String,
    "task": pl.String,
    "task_version": pl.String,
    "model": pl.String,
    "roles": pl.List(pl.Struct({"role": pl.String, "model": pl.String})),
    "judges": pl.List(pl.String),
    "judge_identities": pl.List(pl.Struct({"scorer": pl.String, "identity": pl.String})),
    "principles_sha256": pl.String,
    "completed_samples": pl.Int64,
    "seed": pl.Int64,
}
"""Columns of :func:`runs_frame`."""

SCORER_METRICS_SCHEMA: dict[str, Any] = {
    "log": pl.String,
    "scorer": pl.String,
    "metric": pl.String,
    "value": pl.Float64,
    "scored": pl.Int64,
    "unscored": pl.Int64,
}
"""Columns of :func:`scorer_metrics_frame`."""


def finite(value: Any) -> float | None:
    """A finite number as a float (bools are not numbers here), else None."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def score_value(value: Any) -> float | None:
    """A score's value as a float (``Score.as_float``), None when unscored (NaN, None) or not a number."""
    if isinstance(value, dict | list) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def p_good_of(metadata: Mapping[str, Any] | None) -> float | None:
    """An LLM judge's P(good) from its score metadata (``p_good``), or None.

    None when the key is missing or None (the provider gave no logprobs), or when the value is not a finite
    number in [0, 1] (never guessed from the verdict).
    """
    value = finite((metadata or {}).get(P_GOOD_KEY))
    return value if value is not None and 0.0 <= value <= 1.0 else None


def p_good_missing_reason(metadata: Mapping[str, Any] | None) -> str | None:
    """Why a judge that reports P(good) gave none on this row; None when it gave one or never reports it."""
    meta = metadata or {}
    if P_GOOD_KEY not in meta or p_good_of(meta) is not None:
        return None
    reason = meta.get(P_GOOD_MISSING_KEY)
    return str(reason) if reason else "unreadable p_good" if meta.get(P_GOOD_KEY) is not None else "no reason given"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _score_row(scorer: str, score: Any) -> dict[str, Any]:
    raw, meta = score.value, score.metadata or {}
    value = score_value(raw)
    return {
        "scorer": scorer,
        "value": value,
        "value_json": json.dumps(json_ready(raw), ensure_ascii=False, sort_keys=True)
        if isinstance(raw, dict)
        else None,
        "unscored_reason": (score.reason or score.explanation or "unscored")
        if value is None and not isinstance(raw, dict)
        else None,
        "answer": _text(score.answer),
        "explanation": _text(score.explanation),
        "reason": _text(score.reason),
        "p_good": p_good_of(meta),
        "p_good_missing_reason": p_good_missing_reason(meta),
        "reward": finite(meta.get(REWARD_KEY)),
        "principles_sha256": _text(meta.get(PRINCIPLES_KEY)),
        "rm_identity": _text(meta.get(RM_IDENTITY)),
    }


def sample_scores_frame(location: str, samples: Iterable[Any]) -> pl.DataFrame:
    """One row per sample x scorer that scored (or failed to score) it (schema :data:`SAMPLE_SCORES_SCHEMA`).

    Args:
        location: The log's location, written in the ``log`` column.
        samples: Its samples or sample summaries (:func:`harness.logs.read.read_samples`).

    ``value`` is the score as a float, null when unscored (``unscored_reason`` then says why) or when the scorer
    records several fields (``value_json`` holds them as JSON, NaN written as null, as for ``creativity``).
    ``p_good`` is an LLM judge's P(good) and ``p_good_missing_reason`` why a judge that reports it gave none;
    ``reward`` the reward model's reward; ``principles_sha256`` and ``rm_identity`` what the judge recorded it
    used. ``query``, ``label``, ``length``, ``contaminated``, ``split_side`` and ``reported`` (False on rows scored
    only to fit on) come from the sample's metadata.
    """
    rows = []
    for sample in samples:
        meta = sample.metadata or {}
        common = {
            "log": location,
            "sample_id": str(sample.id),
            "epoch": sample.epoch,
            "query": _text(meta.get("query")),
            "label": meta.get("label"),
            "length": meta.get("length"),
            "contaminated": meta.get("contaminated"),
            "split_side": meta.get("split_side"),
            "reported": meta.get(REPORTED_KEY, True) is not False,
        }
        rows += [common | _score_row(scorer, score) for scorer, score in (sample.scores or {}).items()]
    return pl.DataFrame(rows, schema=SAMPLE_SCORES_SCHEMA)


def judge_names(log: EvalLog) -> list[str]:
    """Scorers in the log that report an excellence rate (the judges), in the task's order."""
    if log.results is None:
        return [s.name for s in (log.eval.scorers or []) if any(m.name == EXCELLENCE for m in s.metrics or [])]
    return [s.name for s in log.results.scores if EXCELLENCE in s.metrics]


def role_models(log: EvalLog) -> dict[str, str]:
    """Model role -> model; a role bound to several models (a panel) lists them comma-separated."""
    return {
        role: ",".join(c.model for c in (config if isinstance(config, list) else [config]))
        for role, config in (log.eval.model_roles or {}).items()
    }


def header_identities(log: EvalLog) -> dict[str, str]:
    """Scorer -> the content identity (:data:`RM_IDENTITY`) its header metadata records, for scorers that do."""
    return {s.name: str(s.metadata[RM_IDENTITY]) for s in log.eval.scorers or [] if (s.metadata or {}).get(RM_IDENTITY)}


def joined_identities(identities: Iterable[Any]) -> str | None:
    """Every distinct identity among the scores of one judge, sorted and comma-joined (scores that disagree, which
    one run of a judge never writes, give a value no other run shares), or None when they record none."""
    return ",".join(sorted({str(i) for i in identities if i})) or None


def score_identities(scores: pl.DataFrame, scorer: str) -> str | None:
    """:func:`joined_identities` of one scorer's ``rm_identity`` column in a :func:`sample_scores_frame`."""
    return joined_identities(scores.filter(pl.col("scorer") == scorer)["rm_identity"].to_list())


def runs_frame(logs: Iterable[EvalLog], scores: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per log (schema :data:`RUNS_SCHEMA`): what a run was, from its header.

    ``judge_identities`` holds every scorer's content identity (a checkpoint judge's :data:`RM_IDENTITY`): from
    its header metadata, else from its scores in ``scores`` (a :func:`sample_scores_frame` of these logs) when
    given. ``task_version`` is written as text.
    """
    rows = []
    for log in logs:
        identities = header_identities(log)
        if scores is not None:
            mine = scores.filter(pl.col("log") == log.location)
            for spec in log.eval.scorers or []:
                if spec.name not in identities and (found := score_identities(mine, spec.name)):
                    identities[spec.name] = found
        rows.append(
            {
                "log": log.location,
                "eval_id": log.eval.eval_id,
                "created": log.eval.created,
                "status": log.status,
                "task": log.eval.task,
                "task_version": str(log.eval.task_version),
                "model": log.eval.model,
                "roles": [{"role": r, "model": m} for r, m in role_models(log).items()],
                "judges": judge_names(log),
                "judge_identities": [{"scorer": s, "identity": i} for s, i in identities.items()],
                "principles_sha256": (log.eval.metadata or {}).get(PRINCIPLES_KEY),
                "completed_samples": log.results.completed_samples if log.results else 0,
                "seed": log.plan.config.seed if log.plan else None,
            }
        )
    return pl.DataFrame(rows, schema=RUNS_SCHEMA)


def scorer_metrics_frame(logs: Iterable[EvalLog]) -> pl.DataFrame:
    """One row per log x scorer x metric in the headers' results, in the task's scorer order (schema
    :data:`SCORER_METRICS_SCHEMA`). ``scored`` is the scorer's scored samples as logged (null when the log does not
    say); ``unscored`` its unscored samples (0 when not logged). A scorer without metrics has one row with a null
    ``metric``; logs without results give no rows."""
    rows = [
        {
            "log": log.location,
            "scorer": score.name,
            "metric": name,
            "value": metric.value if metric is not None else None,
            "scored": score.scored_samples,
            "unscored": score.unscored_samples or 0,
        }
        for log in logs
        for score in (log.results.scores if log.results else [])
        for name, metric in (list(score.metrics.items()) or [(None, None)])
    ]
    return pl.DataFrame(rows, schema=SCORER_METRICS_SCHEMA)
