"""The page's dot-and-interval charts: one inline SVG per judge above each table, null models marked, no script."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from leaderboard_logs import MadeLogs

from harness.leaderboard import BuildInputs, build_leaderboard
from harness.leaderboard.chart import LABEL_CHARS, interval_chart
from harness.leaderboard.render import write_leaderboard

ROWS = [
    {"model": "mockllm/warm", "kind": "submission", "j": 0.9, "j_ci_low": 0.6, "j_ci_high": 0.98},
    {"model": "null/echo", "kind": "null", "j": 0.5, "j_ci_low": 0.2, "j_ci_high": 0.8},
    {"model": "mockllm/" + "x" * 60, "kind": "submission", "j": 0.0, "j_ci_low": None, "j_ci_high": None},
    {"model": "mockllm/unjudged", "kind": "submission", "j": math.nan},
]


def test_dots_and_intervals_on_one_rate_axis() -> None:
    chart = interval_chart("j", ROWS)
    assert chart is not None and [r.null for r in chart.rows] == [False, True, False]  # the unjudged row is left out
    warm, echo, long = chart.rows
    span = chart.plot_right - chart.plot_left
    assert warm.x == pytest.approx(chart.plot_left + 0.9 * span, abs=0.1)
    assert warm.x_low < warm.x < warm.x_high and echo.y > warm.y
    assert echo.label == "null/echo (null)" and "null model" in echo.title and "[0.200, 0.800]" in echo.title
    assert long.x_low == long.x == long.x_high == chart.plot_left  # no interval: a dot alone
    assert len(long.label) == LABEL_CHARS and long.label.endswith("…") and long.title.startswith(ROWS[2]["model"])
    assert [label for _, label in chart.ticks] == ["0", "0.25", "0.5", "0.75", "1"]
    assert interval_chart("other", ROWS) is None


def test_the_page_draws_a_chart_per_judge_above_each_table(made_logs: MadeLogs, tmp_path: Path) -> None:
    from leaderboard_logs import rewrite

    hostile = rewrite(made_logs.main["mockllm/plain"], tmp_path / "renamed.eval", model="<script>x()</script>")
    logs = [made_logs.main["mockllm/warm"], made_logs.main["null/empty"], hostile]
    board = build_leaderboard(BuildInputs(logs=logs, use_registry=False))
    page = write_leaderboard(board, tmp_path / "out")["index.html"].read_text(encoding="utf-8")
    section = page[page.index('<section class="group" id="group-main">') : page.index("</section>")]
    assert section.count("<svg") == len(board.groups[0].judges)
    assert section.index("<svg") < section.index("<table")
    assert re.search(r'<g class="null"><title>null/empty \(null model\): 0\.000', section)
    assert '<text class="label" x="182" y="' in section and ">&lt;script&gt;x()&lt;/script&gt;</text>" in section
    assert "<script>x()" not in page
