"""Tables from report logs: one row per sample x judge (agreement logs), one row per probe metric (probe logs)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl
from inspect_ai.log import EvalLog
from inspect_ai.scorer import Score

from harness.judge_names import JUDGE_SCORERS
from harness.logs import frames
from harness.logs.frames import REWARD_KEY, SAMPLE_SCORES_SCHEMA, finite, sample_scores_frame

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
    **{
        name: SAMPLE_SCORES_SCHEMA[name]
        for name in ("unscored_reason", "label", "length", "contaminated", "split_side", "reported", "p_good")
    },
    "p_good_missing_reason": pl.String,
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


def p_good_of(score: Score) -> float | None:
    """An LLM judge's P(good) from its score metadata (:func:`harness.logs.frames.p_good_of`), or None."""
    return frames.p_good_of(score.metadata)


def continuous_score(judge: str, reward: float | None, p_good: float | None, length: int | None) -> float | None:
    """The judge's continuous score when it has one, higher meaning better.

    In order: the reward-model ``reward``; an LLM judge's P(good); the length for the length rule. Judges with
    none (constants, LLM judges whose provider gave no logprobs) get no AUC.
    """
    if reward is not None:
        return reward
    if p_good is not None:
        return p_good
    if judge == LENGTH_SCORER and length is not None:
        return float(length)
    return None


def score_of(judge: str, score: Score, length: int | None) -> float | None:
    """:func:`continuous_score` of a judge's score (its ``reward`` and ``p_good`` metadata)."""
    meta = score.metadata or {}
    return continuous_score(judge, finite(meta.get(REWARD_KEY)), frames.p_good_of(meta), length)


def agreement_table(logs: Iterable[EvalLog]) -> pl.DataFrame:
    """One row per sample x judge over agreement logs (schema :data:`AGREEMENT_SCHEMA`), from the logs' sample
    scores frames (:func:`harness.logs.frames.sample_scores_frame`).

    ``verdict`` is null for an unscored sample (``unscored_reason`` then says why): such rows are kept, so a
    report counts them rather than dropping them silently. ``score`` is :func:`score_of` (reward, P(good) or
    length, else null); ``p_good`` is an LLM judge's P(good) alone (what a calibration threshold is fit on) and
    ``p_good_missing_reason`` says why a judge that reports it gave none. ``reported`` is False on rows scored
    only to fit on (``judge_agreement(calibrate=True)``'s extra dev rows). With several epochs a sample has one
    row per epoch; the report's bootstrap resamples sample ids, taking all their epochs together.
    """
    frames_ = [sample_scores_frame(log.location, log.samples or []) for log in logs]
    scores = pl.concat(frames_) if frames_ else sample_scores_frame("", [])
    continuous = [continuous_score(*row) for row in scores.select("scorer", "reward", "p_good", "length").iter_rows()]
    return (
        scores.rename({"scorer": "judge"})
        .with_columns(
            verdict=(pl.col("value") >= 0.5).cast(pl.Int8),
            score=pl.Series(continuous, dtype=pl.Float64),
            unscored_reason=pl.when(pl.col("value").is_null()).then(pl.coalesce("unscored_reason", pl.lit("unscored"))),
        )
        .select(list(AGREEMENT_SCHEMA))
    ).cast(AGREEMENT_SCHEMA)


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
