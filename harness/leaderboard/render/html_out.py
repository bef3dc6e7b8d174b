"""``index.html``: the static page, rendered server-side by a Jinja2 template with autoescape on, under a
Content-Security-Policy that allows the package's own script and style by hash alone."""

from __future__ import annotations

import base64
import hashlib
import math
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from harness.judge_names import BASELINE_SCORERS
from harness.leaderboard.chart import interval_chart
from harness.leaderboard.length_control import LC_SUFFIX
from harness.leaderboard.logs import SampleView
from harness.leaderboard.render.cells import (
    CREATIVITY_LABELS,
    DIGITS,
    KIND_LABELS,
    _card_link,
    fmt,
    lc_judges,
    rate_text,
)
from harness.leaderboard.render.schema import SCHEMA_VERSION
from harness.leaderboard.table import CREATIVITY_COLUMNS, Group, Leaderboard

HTML_HASH_CHARS = 8
"""Characters of a log's SHA-256 in the page's table (its file name is the cell's tooltip): the table fits 1400 px."""


@cache
def _environment() -> Environment:
    return Environment(autoescape=select_autoescape(default=True, default_for_string=True), keep_trailing_newline=True)


def _asset(name: str) -> str:
    return resources.files("harness.leaderboard").joinpath("templates", name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def content_security_policy(js: str, css: str) -> str:
    """Allow exactly the page's own script and style; nothing is fetched."""
    return (
        f"default-src 'none'; script-src '{_csp_hash(js)}'; style-src '{_csp_hash(css)}'; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )


def to_html(
    board: Leaderboard,
    out_dir: str | Path | None = None,
    sample_limit: int | None = None,
    viewer: str | None = None,
) -> str:
    """The static page: per group a dot-and-interval chart per judge (inline SVG) above a sortable table, and a
    per-run sample browser.

    Args:
        board: The leaderboard.
        out_dir: Where the page will be written (card links are relative to it).
        sample_limit: Most samples shown per run (None: all).
        viewer: Relative link to a bundled Inspect log viewer, if one sits beside the page.
    """
    js, css = _asset("leaderboard.js"), _asset("leaderboard.css")
    template = _environment().from_string(_asset("index.html.jinja"))
    groups = [_html_group(board, g, out_dir) for g in board.groups]
    browser = [
        _html_run(board, g, row, sample_limit)
        for g in board.groups
        for row in board.group_rows(g).iter_rows(named=True)
    ]
    return template.render(
        title=f"greetbench leaderboard: {board.benchmark}",
        schema_version=SCHEMA_VERSION,
        csp=content_security_policy(js, css),
        css=Markup(css),  # noqa: S704 (the package's own stylesheet)
        js=Markup(js),  # noqa: S704 (the package's own script)
        packages=board.packages,
        log_count=len(board.logs),
        sanity=board.sanity,
        ties=board.ties,
        unchecked=board.unchecked,
        groups=groups,
        browser=browser,
        sample_limit=sample_limit,
        excluded=board.excluded,
        superseded=board.superseded,
        logs=board.logs,
        viewer=viewer,
    )


def _sort_value(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(float(value)) if isinstance(value, float | int) else str(value)


def _html_group(board: Leaderboard, group: Group, out_dir: str | Path | None) -> dict[str, Any]:
    creativity = [c for c in CREATIVITY_COLUMNS if c in board.table.columns]
    columns = [
        {"label": "rank", "type": "num"},
        {"label": "model", "type": "text", "title": "model (its kind: null model, reference or a submission)"},
    ]
    controlled = lc_judges(board, group)
    for judge in group.judges:
        baseline = judge in BASELINE_SCORERS
        link = _card_link(board, group, judge, out_dir)
        columns.append(
            {
                "label": judge + (" (baseline)" if baseline else ""),
                "type": "num",
                "title": f"{judge}: excellence rate [95% CI]" + ("; reads no meaning" if baseline else ""),
                "card": quote(link) if link else None,
            }
        )
        if judge in controlled:
            columns.append(
                {
                    "label": f"{judge} LC",
                    "type": "num",
                    "title": f"{judge}: length-controlled rate at the median length [95% bootstrap CI]",
                    "card": None,
                }
            )
    columns += [{"label": CREATIVITY_LABELS[c], "type": "num"} for c in creativity]
    columns += [{"label": "n", "type": "num", "title": "samples"}, {"label": "log", "type": "text"}]
    rows = []
    table_rows = list(board.group_rows(group).iter_rows(named=True))
    for row in table_rows:
        cells = [
            {"text": fmt(row["rank"]), "sort": _sort_value(row["rank"]), "cls": "num"},
            {
                "text": row["model"],
                "sort": row["model"],
                "cls": "model",
                "href": f"#samples-{row['row']}",
                "title": f"model args {row['model_args']}; generation {row['generate_config']}",
                "note": KIND_LABELS[row["kind"]],
            },
        ]
        for judge in group.judges:
            rate, ci = rate_text(row, judge)
            unscored = row.get(f"{judge}_unscored")
            cells.append(
                {
                    "text": rate,
                    "ci": ci,
                    "sort": _sort_value(row.get(judge)),
                    "cls": "num",
                    "title": "" if unscored is None else f"{row.get(f'{judge}_scored')} scored, {unscored} unscored",
                }
            )
            if judge in controlled:
                rate, ci = rate_text(row, f"{judge}{LC_SUFFIX}")
                cells.append(
                    {"text": rate, "ci": ci, "sort": _sort_value(row.get(f"{judge}{LC_SUFFIX}")), "cls": "num"}
                )
        cells += [
            {"text": fmt(row[c], DIGITS.get(c, 3)), "sort": _sort_value(row[c]), "cls": "num"} for c in creativity
        ]
        cells += [
            {"text": fmt(row["samples"]), "sort": _sort_value(row["samples"]), "cls": "num"},
            {"text": row["log_sha256"][:HTML_HASH_CHARS], "sort": row["log"], "cls": "hash", "title": row["log"]},
        ]
        rows.append({"kind": row["kind"], "cells": cells})
    return {
        "id": group.id,
        "primary": group.primary,
        "reason": group.reason,
        "config": group.config.as_dict(),
        "ranked_by": group.ranked_by,
        "columns": columns,
        "rows": rows,
        "charts": [chart for judge in group.judges if (chart := interval_chart(judge, table_rows))],
    }


def _html_run(board: Leaderboard, group: Group, row: dict[str, Any], limit: int | None) -> dict[str, Any]:
    samples = board.samples.get(row["row"], [])
    shown = samples if limit is None else samples[:limit]
    return {
        "row": row["row"],
        "model": row["model"],
        "kind": KIND_LABELS[row["kind"]] or "submission",
        "group": group.id,
        "log": row["log"],
        "total": len(samples),
        "shown": len(shown),
        "judges": list(group.judges),
        "samples": [_html_sample(s, group.judges) for s in shown],
    }


def _html_sample(sample: SampleView, judges: tuple[str, ...]) -> dict[str, Any]:
    verdicts = []
    for judge in judges:
        value, explanation, reason = sample.scores.get(judge, (None, None, None))
        if value is None:
            verdicts.append({"label": "–", "cls": "", "reason": ""})
        elif isinstance(value, float) and math.isnan(value):
            verdicts.append({"label": "unscored", "cls": "unscored", "reason": explanation or reason or ""})
        elif isinstance(value, float):
            label = "good" if value >= 0.5 else "bad"
            verdicts.append(
                {
                    "label": label if value in (0.0, 1.0) else f"{label} ({value:.2f})",
                    "cls": label,
                    "reason": explanation or "",
                }
            )
        else:
            verdicts.append({"label": str(value), "cls": "", "reason": explanation or ""})
    epoch = f" (epoch {sample.epoch})" if sample.epoch != 1 else ""
    return {"id": f"{sample.id}{epoch}", "query": sample.query, "output": sample.output, "verdicts": verdicts}
