"""One judge's card: every figure, beside the length rule on the same rows, as a JSON-ready dict; and the arrays of
its length plot."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
from inspect_ai.log import EvalLog

from harness.report.cards.calibration import _p_good_rows, calibration_fit
from harness.report.cards.figures import _arrays, _slice_figures
from harness.report.cards.probes import probe_section
from harness.report.cards.provenance import _log_provenance
from harness.report.cards.specs import CardSpec
from harness.report.table import LENGTH_SCORER
from harness.stats import DEFAULT_RESAMPLES, DEFAULT_SEED, length_controlled, length_strata, within_strata_auc

CARD_VERSION = 3
"""2: judge-minus-length-rule paired intervals, epochs clustered by sample id, P(good) calibration.
3: AUC within length strata (judge, length rule, paired difference)."""


CLEAN_SLICE_NOTE = (
    "rows whose query occurs in no training source (SFT, reward-model train, GRPO train). A smaller slice: its "
    "intervals are wider; read them before reading any difference from all rows."
)


def _within_strata(
    scored: pl.DataFrame, has_scores: bool, has_baseline: bool, n_resamples: int, seed: int
) -> dict[str, Any] | None:
    """The judge's mean AUC inside length quintiles (its score, else its verdict) beside the length rule's, and the
    paired difference; None without the length rule's scores on the same rows."""
    if not has_baseline or scored.height == 0:
        return None
    judge = _arrays(scored, "score" if has_scores else "verdict")
    result = within_strata_auc(
        _arrays(scored, "length"),
        [_arrays(scored, "baseline_score"), judge],
        _arrays(scored, "label"),
        n_resamples=n_resamples,
        seed=seed,
    )
    return {
        "judge": result.estimates[1].to_dict(),
        "length_rule": result.estimates[0].to_dict(),
        "judge_minus_rule": result.differences[1].to_dict(),
        "strata_used": result.strata_used,
        "rows": result.rows,
        "on": "score" if has_scores else "verdict",
    }


def build_card(
    spec: CardSpec,
    table: pl.DataFrame,
    probes: Sequence[EvalLog] = (),
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """Every figure of one judge's card, JSON-ready.

    Figures are computed on all scored rows and on the decontaminated slice; the length rule's figures are on the
    same rows (the judge's scored rows of that slice) from the same log. Length strata and the length-controlled
    regression are on all scored rows. Only reported rows count (a ``calibrate=True`` run's extra dev rows are
    fit on, never reported), and a several-epoch log is bootstrapped by sample id.

    Besides the separate figures, each slice holds ``difference`` (judge minus the length rule: accuracy, kappa,
    and AUC where the judge has a score; paired bootstrap on the same resamples) and, for a judge reporting
    P(good) with a threshold fit on dev rows (``calibration``, see :func:`calibration_fit`), ``calibrated``: the
    calibrated verdict's figures and its own difference. ``rows.p_good`` counts rows with and without P(good).

    Args:
        spec: Which judge and log.
        table: The agreement table (:func:`harness.report.table.agreement_table`) holding the log's rows.
        probes: Probe logs (header only is enough), oldest first.
        n_resamples: Bootstrap resamples per slice.
        seed: Bootstrap seed.

    Returns:
        The card (see ``build_card(...).keys()``: judge, rows, calibration, slices, length_strata, length_control,
        confusion, probes, provenance, ...).
    """
    log_rows = table.filter((pl.col("log") == spec.log.location) & pl.col("reported"))
    rows = log_rows.filter(pl.col("judge") == spec.judge).sort("sample_id", "epoch")
    baseline = log_rows.filter(pl.col("judge") == LENGTH_SCORER).select(
        "sample_id",
        "epoch",
        pl.col("verdict").alias("baseline_verdict"),
        pl.col("score").alias("baseline_score"),
    )
    has_baseline = baseline.height > 0
    if has_baseline:
        rows = rows.join(baseline, on=["sample_id", "epoch"], how="left")
    has_scores = rows.get_column("score").is_not_null().any()
    scored = rows.filter(pl.col("verdict").is_not_null())
    reasons = Counter(rows.filter(pl.col("verdict").is_null()).get_column("unscored_reason").to_list())
    clean = rows.filter(pl.col("contaminated") == False)  # noqa: E712 (polars expression)
    calibration = calibration_fit(spec, table)
    slice_options = {
        "versus_baseline": spec.judge != LENGTH_SCORER,
        "threshold": None if calibration is None else calibration["threshold"],
    }
    all_slice = _slice_figures(rows, bool(has_scores), n_resamples, seed, **slice_options)
    lengths, verdicts, labels = _arrays(scored, "length"), _arrays(scored, "verdict"), _arrays(scored, "label")
    strata = length_strata(
        lengths,
        verdicts,
        labels,
        _arrays(scored, "score") if has_scores else None,
        _arrays(scored, "baseline_verdict") if has_baseline else None,
        clusters=_arrays(scored, "sample_id"),
        n_resamples=n_resamples,
        seed=seed,
    )
    within = _within_strata(scored, bool(has_scores), has_baseline, n_resamples, seed)
    rule = _arrays(scored, "baseline_verdict") if has_baseline else None
    control = {
        "judge": length_controlled(lengths, verdicts, labels).to_dict(),
        "judge_over_rule": None
        if rule is None or spec.judge == LENGTH_SCORER
        else length_controlled(lengths, verdicts, labels, controls=[rule]).to_dict(),
        "baseline": None if rule is None else length_controlled(lengths, rule, labels).to_dict(),
    }
    provenance = _log_provenance(spec.log, spec.judge)
    return {
        "card_version": CARD_VERSION,
        "card": spec.key,
        "judge": spec.judge,
        "baseline": LENGTH_SCORER if has_baseline else None,
        "is_baseline": spec.judge == LENGTH_SCORER,
        "split": provenance["split"],
        "overlaps_fitting_rows": provenance["overlaps_fitting_rows"],
        "fitting_note": provenance["fitting_note"],
        "rows": {
            "total": rows.height,
            "scored": scored.height,
            "unscored": rows.height - scored.height,
            "unscored_reasons": dict(reasons),
            "labelled_good": int(rows.get_column("label").sum()),
            "contaminated": int(rows.get_column("contaminated").fill_null(False).sum()),
            "decontaminated": clean.height,
            "samples": rows.get_column("sample_id").n_unique(),
            "p_good": _p_good_rows(rows),
        },
        "calibration": calibration,
        "slices": {
            "all": {"description": "every labelled row of the split", **all_slice},
            "decontaminated": {
                "description": CLEAN_SLICE_NOTE,
                **_slice_figures(clean, bool(has_scores), n_resamples, seed, **slice_options),
            },
        },
        "confusion": all_slice["judge"]["confusion"],
        "length_strata": [stratum.to_dict() for stratum in strata],
        "within_strata_auc": within,
        "length_control": control,
        "probes": probe_section(spec, probes),
        "provenance": {
            "log": provenance,
            "superseded_logs": list(spec.superseded),
            "bootstrap": all_slice["judge"]["bootstrap"],
        },
        "plot": f"{spec.key}_length.png",
    }


def plot_arrays(table: pl.DataFrame, spec: CardSpec) -> dict[str, np.ndarray]:
    """The judge's scored rows as arrays for the length plot: length, label, verdict, score (NaN when none)."""
    rows = table.filter(
        (pl.col("log") == spec.log.location)
        & (pl.col("judge") == spec.judge)
        & pl.col("verdict").is_not_null()
        & pl.col("reported")
    )
    return {
        "length": rows.get_column("length").to_numpy().astype(float),
        "label": rows.get_column("label").to_numpy().astype(float),
        "verdict": rows.get_column("verdict").to_numpy().astype(float),
        "score": rows.get_column("score").cast(pl.Float64).fill_null(float("nan")).to_numpy(),
    }
