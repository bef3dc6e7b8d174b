"""Dot-and-interval charts for the leaderboard page: per judge, each model's excellence rate with its 95% interval.

Only geometry is computed here; the page's template draws the SVG with autoescape on, so a model name is text in
an SVG ``<text>`` element and never markup. No script is needed: the chart is static inline SVG.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from harness.interval_keys import interval_of

WIDTH = 420
"""The chart's width in SVG units (the page scales it down on narrow screens)."""
LABEL_WIDTH = 190
"""Room for the model names, left of the plot."""
RIGHT_MARGIN = 16
ROW_HEIGHT = 20
TOP = 8
AXIS_HEIGHT = 24
LABEL_CHARS = 24
"""Longest model name drawn in full; longer ones are cut with an ellipsis (the full name is the row's tooltip)."""
TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class ChartRow:
    """One model's dot and interval, in SVG units.

    Attributes:
        y: Vertical centre of the row.
        x: The rate's position.
        x_low: The interval's lower end (``x`` when the row has no interval).
        x_high: Its upper end.
        label: The model name as drawn (cut to :data:`LABEL_CHARS`).
        title: The tooltip: model, rate and interval.
        null: Whether the model is a null model (drawn hollow, marked in its label).
    """

    y: float
    x: float
    x_low: float
    x_high: float
    label: str
    title: str
    null: bool


@dataclass(frozen=True)
class Chart:
    """One judge's chart.

    Attributes:
        judge: The judge (scorer name).
        width: The SVG's width.
        height: Its height.
        plot_left: Where the rate axis starts.
        plot_right: Where it ends.
        axis_y: Where the tick labels sit.
        ticks: ``(x, label)`` of each gridline.
        rows: The models, best rate first as the table ranks them.
    """

    judge: str
    width: int
    height: int
    plot_left: int
    plot_right: int
    axis_y: int
    ticks: tuple[tuple[float, str], ...]
    rows: tuple[ChartRow, ...]


def _x(rate: float) -> float:
    return round(LABEL_WIDTH + rate * (WIDTH - LABEL_WIDTH - RIGHT_MARGIN), 1)


def _label(model: str, null: bool) -> str:
    name = model if len(model) <= LABEL_CHARS else model[: LABEL_CHARS - 1] + "…"
    return f"{name} (null)" if null else name


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def interval_chart(judge: str, rows: list[dict[str, Any]]) -> Chart | None:
    """The chart of one judge over a group's table rows (in rank order), or None when no row has its rate.

    Args:
        judge: The judge's column (``principle_judge``); its interval is ``<judge>_ci_low`` / ``<judge>_ci_high``.
        rows: The group's rows as dicts with ``model``, ``kind`` and the judge's columns.
    """
    drawn = []
    for row in rows:
        rate = _number(row.get(judge))
        if rate is None:
            continue
        low, high = (_number(end) for end in interval_of(row, judge))
        null = row.get("kind") == "null"
        interval = f" [{low:.3f}, {high:.3f}]" if low is not None and high is not None else ""
        drawn.append(
            ChartRow(
                y=TOP + (len(drawn) + 0.5) * ROW_HEIGHT,
                x=_x(rate),
                x_low=_x(rate if low is None else low),
                x_high=_x(rate if high is None else high),
                label=_label(str(row["model"]), null),
                title=f"{row['model']}{' (null model)' if null else ''}: {rate:.3f}{interval}",
                null=null,
            )
        )
    if not drawn:
        return None
    axis_y = TOP + len(drawn) * ROW_HEIGHT + AXIS_HEIGHT - 8
    return Chart(
        judge=judge,
        width=WIDTH,
        height=TOP + len(drawn) * ROW_HEIGHT + AXIS_HEIGHT,
        plot_left=LABEL_WIDTH,
        plot_right=WIDTH - RIGHT_MARGIN,
        axis_y=axis_y,
        ticks=tuple((_x(t), f"{t:g}") for t in TICKS),
        rows=tuple(drawn),
    )
