"""Tables from report logs: one row per sample x judge (agreement logs), one row per probe metric (probe logs)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import polars as pl
from inspect_ai.log import EvalLog
from inspect_ai.scorer import Score

from harness.judge_names import JUDGE_SCORERS

LENGTH_SCORER = JUDGE_SCORERS["length"]
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
    "reported": pl.Boolean,
    "p_good": pl.Float64,
    "p_good_missing_reason": pl.String,
}
"""Columns of :func:`agreement_table`."""

P_GOOD_KEY = "p_good"
"""Score-metadata key of an LLM judge's P(good), read from logprobs at the verdict token (None without logprobs)."""

P_GOOD_MISSING_KEY = "p_good_missing_reason"
"""Score-metadata key saying why ``p_good`` is None."""

REPORTED_KEY = "reported"
"""Sample-metadata key: False on rows a run scored only to fit on (``judge_agreement(calibrate=True)``'s dev rows)."""

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


def _finite(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def p_good_of(score: Score) -> float | None:
    """An LLM judge's P(good) from its score metadata (``p_good``), or None.

    None when the key is missing or None (the provider gave no logprobs), or when the value is not a finite
    number in [0, 1] (never guessed from the verdict).
    """
    value = _finite((score.metadata or {}).get(P_GOOD_KEY))
    return value if value is not None and 0.0 <= value <= 1.0 else None


def score_of(judge: str, score: Score, length: int | None) -> float | None:
    """The judge's continuous score when it has one, higher meaning better.

    In order: the reward-model ``reward``; an LLM judge's P(good) (``p_good``, see :func:`p_good_of`); the length
    for the length rule. Judges with none (constants, LLM judges whose provider gave no logprobs) get no AUC.
    """
    reward = _finite((score.metadata or {}).get("reward"))
    if reward is not None:
        return reward
    p_good = p_good_of(score)
    if p_good is not None:
        return p_good
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
                    "reported": meta.get(REPORTED_KEY, True) is not False,
                    "p_good": p_good_of(score),
                    "p_good_missing_reason": _missing_reason(score),
                }
            )
    return rows


def _missing_reason(score: Score) -> str | None:
    """Why a judge that reports P(good) gave none on this row; None when it gave one or never reports it."""
    meta = score.metadata or {}
    if P_GOOD_KEY not in meta or p_good_of(score) is not None:
        return None
    reason = meta.get(P_GOOD_MISSING_KEY)
    return str(reason) if reason else "unreadable p_good" if meta.get(P_GOOD_KEY) is not None else "no reason given"


def agreement_table(logs: Iterable[EvalLog]) -> pl.DataFrame:
    """One row per sample x judge over agreement logs (schema :data:`AGREEMENT_SCHEMA`).

    ``verdict`` is null for an unscored sample (``unscored_reason`` then says why): such rows are kept, so a
    report counts them rather than dropping them silently. ``score`` is :func:`score_of` (reward, P(good) or
    length, else null); ``p_good`` is an LLM judge's P(good) alone (what a calibration threshold is fit on) and
    ``p_good_missing_reason`` says why a judge that reports it gave none. ``reported`` is False on rows scored
    only to fit on (``judge_agreement(calibrate=True)``'s extra dev rows). With several epochs a sample has one
    row per epoch; the report's bootstrap resamples sample ids, taking all their epochs together.
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
    return JUDGE_SCORERS.get(name, name)


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
