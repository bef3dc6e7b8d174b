"""AUC within length strata: what a judge knows beyond length, with paired intervals against a reference."""

from __future__ import annotations

import numpy as np
import pytest

from harness.stats import within_strata_auc


@pytest.fixture(scope="module")
def rows() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    lengths = rng.integers(5, 100, 600)
    quality = rng.normal(0, 1, 600)
    labels = (lengths / 25 + quality + rng.normal(0, 0.3, 600) > 2.5).astype(int)
    return lengths, quality, labels


def test_a_stratum_constant_score_is_one_half_and_quality_is_more(rows) -> None:
    lengths, quality, labels = rows
    edges = np.quantile(lengths, [0.2, 0.4, 0.6, 0.8])
    stratum_only = np.searchsorted(edges, lengths, side="left").astype(float)  # knows the stratum, nothing else
    result = within_strata_auc(lengths, [stratum_only, quality, lengths], labels, n_resamples=500)
    assert result.estimates[0].value == pytest.approx(0.5)
    assert result.estimates[1].value > 0.8
    assert result.differences[1].ci_low > 0.2  # paired against the stratum-only reference
    assert result.differences[0].value == 0.0
    low, high = result.estimates[1].ci_low, result.estimates[1].ci_high
    assert low < result.estimates[1].value < high
    assert len(result.per_stratum[1]) == 5 and result.strata_used == [1, 2, 3, 4, 5]


def test_missing_scores_drop_the_row_for_every_rater_and_one_label_strata_are_left_out() -> None:
    lengths = np.array([1, 2, 3, 4, 10, 11, 12, 13])
    labels = np.array([0, 0, 0, 0, 0, 1, 0, 1])
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.1, 0.9, 0.2, 0.8])
    gappy = scores.copy()
    gappy[0] = np.nan
    result = within_strata_auc(lengths, [scores, gappy], labels, strata=2, n_resamples=200)
    assert result.rows == 7
    assert result.strata_used == [2]  # the short stratum has only bad rows
    assert result.estimates[0].value == pytest.approx(1.0) == result.estimates[1].value
    none = within_strata_auc(lengths, [scores], np.zeros(8), strata=2, n_resamples=10)
    assert none.estimates[0].value is None and none.strata_used == []
    with pytest.raises(ValueError, match="one entry per row"):
        within_strata_auc(lengths, [scores[:5]], labels)
