"""Tables from report logs: one row per sample x judge (agreement logs), one row per probe metric (probe logs)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import polars as pl
from inspect_ai.log import EvalLog
from inspect_ai.scorer import Score

from harness.judges.registry import JUDGES

LENGTH_SCORER = JUDGES["length"][0]
"""Scorer name of the length baseline (``length_judge``)."""

PROBE_SCORER = "probe"
"""Scorer of a probe log whose metrics (``<probe>_rate``, ``<probe>_n``, ...) a card shows."""

AGREEMENT_SCHEMA: dict[str, Any] = {
    "log": pl.String,
    "sample_id": pl.String,
    "epoch": pl.Int64,
    "judge": pl.String,
    "verdict": pl.Int8,
    "score": pl.Float64,
    "unscored_reason": pl.String,
    "label": pl.Int8,
    "length": pl.Int64,
    "contaminated": pl.Boolean,
    "split_side": pl.String,
}
"""Columns of :func:`agreement_table`."""

PROBE_SCHEMA: dict[str, Any] = {
    "log": pl.String,
    "judge": pl.String,
    "judge_arg": pl.String,
    "defended": pl.Boolean,
    "metric": pl.String,
    "value": pl.Float64,
}
"""Columns of :func:`probe_table`."""


def verdict_of(score: Score) -> int | None:
    """1 (good) / 0 (bad) from a judge's score value, None when unscored (NaN, None or not a number)."""
    try:
        value = score.as_float()
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else int(value >= 0.5)


def score_of(judge: str, score: Score, length: int | None) -> float | None:
    """The judge's continuous score when it has one: the reward-model ``reward``, or the length for the length rule.

    Other judges (LLM verdicts, panels, constants) have none, and their rows get no AUC.
    """
    reward = (score.metadata or {}).get("reward")
    if isinstance(reward, int | float) and not isinstance(reward, bool) and math.isfinite(reward):
        return float(reward)
    if judge == LENGTH_SCORER and length is not None:
        return float(length)
    return None


def judge_rows(log: EvalLog) -> list[dict[str, Any]]:
    """The rows of one agreement log: every sample x every scorer that scored (or failed to score) it."""
    rows = []
    for sample in log.samples or []:
        meta = sample.metadata or {}
        label, length = meta.get("label"), meta.get("length")
        for judge, score in (sample.scores or {}).items():
            verdict = verdict_of(score)
            rows.append(
                {
                    "log": log.location,
                    "sample_id": str(sample.id),
                    "epoch": sample.epoch,
                    "judge": judge,
                    "verdict": verdict,
                    "score": score_of(judge, score, length),
                    "unscored_reason": None
                    if verdict is not None
                    else (score.reason or score.explanation or "unscored"),
                    "label": label,
                    "length": length,
                    "contaminated": meta.get("contaminated"),
                    "split_side": meta.get("split_side"),
                }
            )
    return rows


def agreement_table(logs: Iterable[EvalLog]) -> pl.DataFrame:
    """One row per sample x judge over agreement logs (schema :data:`AGREEMENT_SCHEMA`).

    ``verdict`` is null for an unscored sample (``unscored_reason`` then says why): such rows are kept, so a
    report counts them rather than dropping them silently. ``score`` is the reward for the reward-model judge
    and the length for the length rule, else null. With several epochs a sample has one row per epoch, and the
    report treats each as a row (the bootstrap does not cluster epochs of one sample).
    """
    rows = [row for log in logs for row in judge_rows(log)]
    return pl.DataFrame(rows, schema=AGREEMENT_SCHEMA)


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no", "none", ""):
        return False
    return None


def probe_judge(log: EvalLog) -> str | None:
    """The scorer name of the judge a probe log probed: its ``judge`` task arg, short names mapped (rm -> ...)."""
    name = (log.eval.task_args or {}).get("judge")
    if name is None:
        return None
    name = str(name)
    return JUDGES[name][0] if name in JUDGES else name


def probe_defended(log: EvalLog) -> bool:
    """Whether a probe log ran with defenses (its ``defended`` task arg; missing or unreadable counts as False)."""
    return bool(_as_bool((log.eval.task_args or {}).get("defended")))


def probe_table(logs: Iterable[EvalLog]) -> pl.DataFrame:
    """Every metric of the ``probe`` scorer of each probe log, one row each (schema :data:`PROBE_SCHEMA`)."""
    rows = []
    for log in logs:
        judge = probe_judge(log)
        for score in log.results.scores if log.results else []:
            if score.name != PROBE_SCORER:
                continue
            for name, metric in score.metrics.items():
                rows.append(
                    {
                        "log": log.location,
                        "judge": judge,
                        "judge_arg": str((log.eval.task_args or {}).get("judge")),
                        "defended": probe_defended(log),
                        "metric": name,
                        "value": float(metric.value) if metric.value is not None else None,
                    }
                )
    return pl.DataFrame(rows, schema=PROBE_SCHEMA)
