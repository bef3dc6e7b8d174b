"""A judge's agreement inside length strata: equal-count strata (quintiles) of the scored rows' lengths.

Within a stratum length is nearly constant, so what agreement is left there is agreement that length cannot explain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from harness.stats.agreement import AgreementFigures, agreement_figures
from harness.stats.arrays import float_array
from harness.stats.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED

STRATA = 5
"""Length strata: quintiles."""


@dataclass(frozen=True)
class LengthStratum:
    """The rows of one length quintile and the judge's (and optionally the baseline's) figures on them.

    Attributes:
        index: 1 (shortest) to :data:`STRATA` (longest).
        lower_edge: Rows have length > this edge (None for the first stratum).
        upper_edge: Rows have length <= this edge (None for the last stratum).
        min_length: Shortest row in the stratum (None when empty).
        max_length: Longest row in the stratum (None when empty).
        figures: The judge's figures on the stratum's rows.
        baseline: The baseline's figures on the same rows, when baseline verdicts were given.
    """

    index: int
    lower_edge: float | None
    upper_edge: float | None
    min_length: float | None
    max_length: float | None
    figures: AgreementFigures
    baseline: AgreementFigures | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return {
            "index": self.index,
            "lower_edge": self.lower_edge,
            "upper_edge": self.upper_edge,
            "min_length": self.min_length,
            "max_length": self.max_length,
            "figures": self.figures.to_dict(),
            "baseline": None if self.baseline is None else self.baseline.to_dict(),
        }


def length_edges(lengths: ArrayLike, strata: int = STRATA) -> list[float]:
    """Inner edges of ``strata`` equal-count length strata: the 20/40/60/80th percentiles for quintiles.

    Computed with numpy's default (linear) percentile rule on the lengths given (the rows themselves).
    """
    values = np.asarray(lengths, dtype=np.float64)
    if values.size == 0:
        return []
    return [float(q) for q in np.quantile(values, np.arange(1, strata) / strata)]


def length_strata(
    lengths: ArrayLike,
    verdicts: Sequence[float | int | None] | ArrayLike,
    labels: ArrayLike,
    scores: Sequence[float | None] | ArrayLike | None = None,
    baseline_verdicts: Sequence[float | int | None] | ArrayLike | None = None,
    *,
    clusters: Sequence[Any] | None = None,
    strata: int = STRATA,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> list[LengthStratum]:
    """The judge's figures inside length quintiles (or ``strata`` equal-count strata) of the judge's scored rows.

    Edges come from the scored rows' own lengths (:func:`length_edges`); a row of length ``x`` goes to the first
    stratum whose upper edge is >= ``x`` (so stratum k holds ``edge[k-1] < x <= edge[k]``). Lengths are integers
    with many ties, so strata need not be equal in size, and when two edges coincide the stratum between them is
    empty (reported with n = 0 and undefined figures). Unscored rows are not placed in strata (they are counted
    in the overall figures). Within a stratum, labels are often nearly all one class, so kappa, MCC and AUC are
    often undefined or very uncertain there.

    Args:
        lengths: Length of each row (characters).
        verdicts: The judge's verdicts (None = unscored).
        labels: The labels.
        scores: Optional judge scores (for AUC within strata).
        baseline_verdicts: Optional verdicts of a baseline on the same rows (e.g. the length rule).
        clusters: Optional cluster id per row (sample ids of a several-epoch log; see :func:`agreement_figures`).
        strata: Number of strata.
        n_resamples: Bootstrap resamples per stratum.
        seed: Bootstrap seed.

    Returns:
        One entry per stratum, shortest first.
    """
    length_array = np.asarray(lengths, dtype=np.float64)
    raw = float_array(verdicts)
    y = np.asarray(labels, dtype=np.float64)
    if not (length_array.shape == raw.shape == y.shape):
        raise ValueError("lengths, verdicts and labels must have one entry per row")
    scored = ~np.isnan(raw)
    edges = length_edges(length_array[scored], strata)
    place = np.searchsorted(np.asarray(edges), length_array, side="left") if edges else np.zeros(len(y), dtype=int)
    s = None if scores is None else float_array(scores)
    b = None if baseline_verdicts is None else float_array(baseline_verdicts)
    if clusters is not None and len(clusters) != len(y):
        raise ValueError(f"{len(clusters)} cluster ids for {len(y)} rows")
    out = []
    for k in range(strata if edges else 1):
        rows = scored & (place == k)
        found = length_array[rows]
        ids = None if clusters is None else [clusters[i] for i in np.flatnonzero(rows)]
        out.append(
            LengthStratum(
                index=k + 1,
                lower_edge=edges[k - 1] if 0 < k <= len(edges) else None,
                upper_edge=edges[k] if k < len(edges) else None,
                min_length=float(found.min()) if found.size else None,
                max_length=float(found.max()) if found.size else None,
                figures=agreement_figures(
                    raw[rows],
                    y[rows],
                    None if s is None else s[rows],
                    clusters=ids,
                    n_resamples=n_resamples,
                    seed=seed,
                ),
                baseline=None
                if b is None
                else agreement_figures(b[rows], y[rows], clusters=ids, n_resamples=n_resamples, seed=seed),
            )
        )
    return out


@dataclass(frozen=True)
class WithinStrataAuc:
    """AUC inside length strata, averaged over the strata where both labels occur: what a judge knows beyond length.

    Attributes:
        estimates: Per rater, the mean within-stratum AUC with its 95% interval.
        differences: Per rater, its mean minus rater 0's (the reference), paired (same resamples); rater 0's own
            entry is a zero difference.
        per_stratum: Per rater, the AUC in each stratum (None where a stratum has one label only).
        strata_used: Strata that entered the mean (those with both labels on the rows).
        edges: The inner length edges of the strata.
        rows: Rows used (every rater scored).
    """

    estimates: list[Any]
    differences: list[Any]
    per_stratum: list[list[float | None]]
    strata_used: list[int]
    edges: list[float]
    rows: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return {
            "estimates": [e.to_dict() for e in self.estimates],
            "differences": [d.to_dict() for d in self.differences],
            "per_stratum": self.per_stratum,
            "strata_used": self.strata_used,
            "edges": self.edges,
            "rows": self.rows,
        }


def within_strata_auc(
    lengths: ArrayLike,
    scores: Sequence[Sequence[float | None] | ArrayLike],
    labels: ArrayLike,
    *,
    strata: int = STRATA,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> WithinStrataAuc:
    """Mean AUC within length quintiles for several raters on the same rows, with paired bootstrap intervals.

    Strata are equal-count strata of the rows' own lengths (:func:`length_edges`, placed as in
    :func:`length_strata`). Inside a stratum length hardly varies, so a rater that only measures length scores
    about 0.5 there; the mean over strata is the figure that says what a judge knows beyond length.

    Edge cases:
        - Rows where any rater's score is missing or not finite are left out for every rater (same rows).
        - Only strata with both labels on the rows enter the mean (listed in ``strata_used``); with none, every
          figure is None.
        - The bootstrap resamples the good and the bad rows of each stratum separately, so every stratum keeps its
          size and both its labels in every resample (no resample is undefined).

    Args:
        lengths: Length of each row (characters).
        scores: One score sequence per rater (rater 0 is the reference of ``differences``).
        labels: 1 or 0 per row.
        strata: Number of strata.
        n_resamples: Bootstrap resamples.
        seed: Bootstrap seed.

    Raises:
        ValueError: Lengths differ, or no rater is given.
    """
    from harness.stats.agreement import Estimate
    from harness.stats.bootstrap import CONFIDENCE, percentile_interval
    from harness.stats.figures import auc_along

    if not scores:
        raise ValueError("within_strata_auc needs at least one rater's scores")
    length_array = np.asarray(lengths, dtype=np.float64)
    matrix = np.stack([float_array(s) for s in scores])
    y_all = np.asarray(labels, dtype=np.float64)
    if matrix.shape[1:] != length_array.shape or y_all.shape != length_array.shape:
        raise ValueError("lengths, every rater's scores and labels must have one entry per row")
    keep = np.all(np.isfinite(matrix), axis=0)
    x, s, y = length_array[keep], matrix[:, keep], y_all[keep]
    edges = length_edges(x, strata)
    place = np.searchsorted(np.asarray(edges), x, side="left") if edges else np.zeros(len(y), dtype=int)
    groups = [np.flatnonzero(place == k) for k in range(strata if edges else 1)]
    used = [k for k, rows in enumerate(groups) if 0 < y[rows].sum() < len(rows)]
    per_stratum = [
        [float(auc_along(s[r, rows], y[rows])) if k in used else None for k, rows in enumerate(groups)]
        for r in range(len(s))
    ]
    if not used:
        none = [Estimate(None) for _ in s]
        return WithinStrataAuc(none, none, per_stratum, [], edges, int(keep.sum()))
    points = np.array([np.mean([per_stratum[r][k] for k in used]) for r in range(len(s))])
    rng = np.random.default_rng(seed)
    means = np.zeros((len(s), n_resamples))
    for k in used:
        good, bad = (groups[k][y[groups[k]] == label] for label in (1.0, 0.0))
        draw = np.concatenate(
            [side[rng.integers(0, len(side), size=(n_resamples, len(side)))] for side in (good, bad)], axis=1
        )
        means += auc_along(s[:, draw], y[draw]) / len(used)
    estimates, differences = [], []
    for r in range(len(s)):
        low, high, undefined = percentile_interval(means[r], CONFIDENCE)
        estimates.append(Estimate(float(points[r]), low, high, undefined))
        d_low, d_high, d_undefined = percentile_interval(means[r] - means[0], CONFIDENCE)
        differences.append(Estimate(float(points[r] - points[0]), d_low, d_high, d_undefined))
    return WithinStrataAuc(estimates, differences, per_stratum, [k + 1 for k in used], edges, int(keep.sum()))
