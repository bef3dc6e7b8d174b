"""One naming of a figure's interval, written and read the same way."""

from __future__ import annotations

import math

from harness.interval_keys import (
    FigureWithInterval,
    figures_with_intervals,
    interval_keys,
    interval_of,
    with_interval,
)


def test_written_intervals_read_back_with_their_figure() -> None:
    values = {**with_interval("label_kappa", 0.8, 0.7, 0.9), "label_n": 100.0}
    assert values == {"label_kappa": 0.8, "label_kappa_ci_low": 0.7, "label_kappa_ci_high": 0.9, "label_n": 100.0}
    assert figures_with_intervals(values) == {
        "label_kappa": FigureWithInterval(0.8, 0.7, 0.9),
        "label_n": FigureWithInterval(100.0, None, None),
    }


def test_undefined_figures_and_ends_are_nan_for_inspect() -> None:
    values = with_interval("label_auc", None, None, 0.5)
    assert all(math.isnan(values[k]) for k in ("label_auc", *interval_keys("label_auc")[:1]))
    assert values["label_auc_ci_high"] == 0.5


def test_an_interval_end_without_its_figure_is_a_figure_of_its_own() -> None:
    values = {"x_ci_low": 0.1, "y": 0.5}
    assert figures_with_intervals(values) == {
        "x_ci_low": FigureWithInterval(0.1, None, None),
        "y": FigureWithInterval(0.5, None, None),
    }
    assert interval_of(values, "y") == (None, None)
