"""A card's agreement figures on one slice of rows: the judge's, the length rule's on the same rows, and judge minus
rule (paired bootstrap, epochs clustered by sample id)."""

from __future__ import annotations

from typing import Any

import polars as pl

from harness.stats import agreement_figures, paired_difference


def _arrays(frame: pl.DataFrame, column: str) -> list[Any]:
    return frame.get_column(column).to_list()


def _difference(rows: pl.DataFrame, verdict: str, score: str | None, n_resamples: int, seed: int) -> dict[str, Any]:
    """A verdict column minus the length rule on the slice's rows where both gave one, paired bootstrap."""
    compared = paired_difference(
        _arrays(rows, verdict),
        _arrays(rows, "baseline_verdict"),
        _arrays(rows, "label"),
        None if score is None else _arrays(rows, score),
        _arrays(rows, "baseline_score"),
        clusters=_arrays(rows, "sample_id"),
        n_resamples=n_resamples,
        seed=seed,
    )
    return {
        "n": compared.n,
        "figures": {name: estimate.to_dict() for name, estimate in compared.difference.items()},
    }


def _slice_figures(
    rows: pl.DataFrame,
    has_scores: bool,
    n_resamples: int,
    seed: int,
    *,
    versus_baseline: bool = True,
    threshold: float | None = None,
) -> dict[str, Any]:
    """The judge's figures on a slice, the length rule's on the judge's scored rows, and judge minus rule.

    ``difference`` is the paired judge-minus-rule comparison (None without a baseline, or when ``versus_baseline``
    is False: the card of the rule itself). With a P(good) ``threshold``, ``calibrated`` holds the figures of the
    calibrated verdict (good iff P(good) >= threshold; rows without P(good) unscored) and its own difference.
    Epoch rows of one sample are resampled together (clustered by ``sample_id``).
    """
    judge = agreement_figures(
        _arrays(rows, "verdict"),
        _arrays(rows, "label"),
        _arrays(rows, "score") if has_scores else None,
        clusters=_arrays(rows, "sample_id"),
        n_resamples=n_resamples,
        seed=seed,
    )
    scored = rows.filter(pl.col("verdict").is_not_null())
    with_baseline = "baseline_verdict" in scored.columns
    baseline = None
    if with_baseline:
        baseline = agreement_figures(
            _arrays(scored, "baseline_verdict"),
            _arrays(scored, "label"),
            _arrays(scored, "baseline_score"),
            clusters=_arrays(scored, "sample_id"),
            n_resamples=n_resamples,
            seed=seed,
        ).to_dict()
    score = "score" if has_scores else None
    calibrated = None
    if threshold is not None:
        rows = rows.with_columns(
            pl.when(pl.col("p_good").is_null())
            .then(None)
            .otherwise((pl.col("p_good") >= threshold).cast(pl.Int8))
            .alias("calibrated_verdict")
        )
        figures = agreement_figures(
            _arrays(rows, "calibrated_verdict"),
            _arrays(rows, "label"),
            _arrays(rows, "p_good"),
            clusters=_arrays(rows, "sample_id"),
            n_resamples=n_resamples,
            seed=seed,
        )
        calibrated = {
            "threshold": threshold,
            "judge": figures.to_dict(),
            "difference": _difference(rows, "calibrated_verdict", "p_good", n_resamples, seed)
            if with_baseline and versus_baseline
            else None,
        }
    return {
        "rows": rows.height,
        "contaminated_rows": int(rows.get_column("contaminated").fill_null(False).sum()),
        "judge": judge.to_dict(),
        "baseline": baseline,
        "difference": _difference(rows, "verdict", score, n_resamples, seed)
        if with_baseline and versus_baseline
        else None,
        "calibrated": calibrated,
    }
