"""A P(good) threshold for a card's judge, fit on dev-side rows as the reward model's threshold is fit."""

from __future__ import annotations

from collections import Counter
from typing import Any

import polars as pl

from harness.report.cards.figures import _arrays
from harness.report.cards.specs import CardSpec
from harness.stats import accuracy, fit_threshold

CALIBRATION_METHOD = (
    "the accuracy-maximising cut of 'good iff P(good) >= cut' on the dev rows (the reward model's own threshold "
    "fit, harness.judges.reward_model.fit_threshold; lowest cut among equally accurate ones)"
)
"""How a calibrated verdict's threshold is fit (shown on the card)."""


def calibration_fit(spec: CardSpec, table: pl.DataFrame) -> dict[str, Any] | None:
    """Fit a P(good) threshold for a card's judge on dev-side rows, as the reward model's threshold is fit.

    The rows are the judge's rows with ``split_side == "dev"`` and a P(good) in the card's own log (a
    ``judge_agreement(calibrate=True)`` run, or a ``dev``/``all`` split), else in the latest matching ``split=dev``
    log (:attr:`CardSpec.calibration_logs`). Every epoch row counts as a fitting row.

    Edge cases:
        - The judge reports no P(good) anywhere (length rule, reward model, constant): None (nothing to calibrate).
        - P(good) on the reported rows but no dev rows with one: ``threshold`` None and a note saying how to get it.
        - Dev rows of one label only: ``threshold`` None (a cut fit there separates nothing).

    Returns:
        ``{"threshold", "fit_rows", "fit_good", "fit_accuracy", "fit_log", "fit_source", "method",
        "overlaps_reported_rows", "note"}``, or None.
    """
    mine = table.filter((pl.col("judge") == spec.judge) & pl.col("p_good").is_not_null())
    if mine.filter(pl.col("log") == spec.log.location).height == 0:
        return None
    reported = set(
        table.filter((pl.col("log") == spec.log.location) & pl.col("reported")).get_column("sample_id").to_list()
    )
    for location in (spec.log.location, *spec.calibration_logs):
        dev = mine.filter((pl.col("log") == location) & (pl.col("split_side") == "dev"))
        if dev.height == 0:
            continue
        p_good, labels = _arrays(dev, "p_good"), _arrays(dev, "label")
        fit: dict[str, Any] = {
            "threshold": None,
            "fit_rows": dev.height,
            "fit_good": int(sum(labels)),
            "fit_accuracy": None,
            "fit_log": location,
            "fit_source": "this log's dev rows" if location == spec.log.location else "a split=dev log of this judge",
            "method": CALIBRATION_METHOD,
            "overlaps_reported_rows": bool(reported & set(dev.get_column("sample_id").to_list())),
            "note": None,
        }
        if len(set(labels)) < 2:
            return {**fit, "note": "the dev rows with P(good) are all one label: no threshold can be fit"}
        threshold = fit_threshold(p_good, labels)
        fit_accuracy = accuracy([int(p >= threshold) for p in p_good], labels)
        return {**fit, "threshold": threshold, "fit_accuracy": fit_accuracy}
    return {
        "threshold": None,
        "fit_rows": 0,
        "fit_good": 0,
        "fit_accuracy": None,
        "fit_log": None,
        "fit_source": None,
        "method": CALIBRATION_METHOD,
        "overlaps_reported_rows": False,
        "note": "no dev-side rows with P(good) for this judge: run judge_agreement with calibrate=True (or give "
        "judge-report a split=dev log of the same judge) to get a calibrated verdict",
    }


def _p_good_rows(rows: pl.DataFrame) -> dict[str, Any]:
    """How many reported rows carry P(good), and why the others do not (the provider gave no logprobs, ...)."""
    missing = rows.filter(pl.col("p_good_missing_reason").is_not_null())
    return {
        "rows": int(rows.get_column("p_good").is_not_null().sum()),
        "missing": missing.height,
        "missing_reasons": dict(Counter(missing.get_column("p_good_missing_reason").to_list())),
    }
