"""Writing a leaderboard: ``leaderboard.json`` (schema-versioned, validated), ``leaderboard.csv``,
``leaderboard.md`` and a static ``index.html``.

Everything that comes from a log (model names, greetings, judge reasons, even scorer names) is untrusted. The HTML
is rendered server-side by a Jinja2 template with autoescape on; its only script is the package's own sorter, which
moves rows and never builds markup from text, and a Content-Security-Policy allows that script and style by hash
alone, so an injected ``<script>`` or event handler would not run even if escaping failed. Markdown cells are
HTML-escaped and their Markdown punctuation backslash-escaped; CSV cells that a spreadsheet would read as a
formula are prefixed with an apostrophe.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import os
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema
import polars as pl
from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from harness.judge_names import BASELINE_SCORERS
from harness.leaderboard.chart import interval_chart
from harness.leaderboard.length_control import LC_SUFFIX
from harness.leaderboard.logs import CREATIVITY, EXCELLENCE, SampleView
from harness.leaderboard.table import CREATIVITY_COLUMNS, Group, Leaderboard

SCHEMA_VERSION = 1
SCHEMA_RESOURCE = "leaderboard.schema.json"
OUTPUT_FILES = ("leaderboard.json", "leaderboard.csv", "leaderboard.md", "index.html")

JUDGE_SUFFIXES = (
    *("_ci_low", "_ci_high", "_scored", "_unscored"),
    *(LC_SUFFIX, f"{LC_SUFFIX}_ci_low", f"{LC_SUFFIX}_ci_high"),
)

CREATIVITY_LABELS = {
    "mean_length": "length",
    "mean_cliches": "clichés",
    "cliche_rate": "cliché rate",
    "mean_novelty": "novelty",
    "distinct_1": "distinct-1",
    "distinct_2": "distinct-2",
    "self_bleu": "self-BLEU",
}

KIND_LABELS = {"null": "null model", "reference": "reference", "submission": ""}

HTML_HASH_CHARS = 8
"""Characters of a log's SHA-256 in the page's table (its file name is the cell's tooltip): the table fits 1400 px."""


# ---------------------------------------------------------------------------------------------------------------
# JSON


def judge_extras(table: pl.DataFrame, judge: str, judges: tuple[str, ...]) -> list[str]:
    """Columns of other metrics a judge reports (``panel_member_agreement``), by metric name."""
    prefix = f"{judge}_"
    longer = [j for j in judges if j != judge and j.startswith(prefix)]
    return [
        c.removeprefix(prefix)
        for c in table.columns
        if c.startswith(prefix)
        and not any(c == f"{judge}{s}" for s in JUDGE_SUFFIXES)
        and not any(c == j or c.startswith(f"{j}_") for j in longer)
    ]


def lc_judges(board: Leaderboard, group: Group) -> list[str]:
    """The group's judges with a length-controlled rate for at least one of its runs."""
    rows = board.group_rows(group)
    return [
        judge
        for judge in group.judges
        if f"{judge}{LC_SUFFIX}" in rows.columns and rows[f"{judge}{LC_SUFFIX}"].drop_nulls().len() > 0
    ]


def to_json(board: Leaderboard, out_dir: str | Path | None = None) -> dict[str, Any]:
    """The leaderboard as JSON-ready data, following ``leaderboard.schema.json``.

    Args:
        board: The tabulated leaderboard.
        out_dir: Where the file will be written; card links are made relative to it.
    """
    groups = []
    for group in board.groups:
        rows = []
        for row in board.group_rows(group).iter_rows(named=True):
            judges = {}
            for judge in group.judges:
                if row.get(judge) is None and row.get(f"{judge}_scored") is None:
                    continue
                judges[judge] = {
                    "rate": row.get(judge),
                    "ci_low": row.get(f"{judge}_ci_low"),
                    "ci_high": row.get(f"{judge}_ci_high"),
                    "scored": row.get(f"{judge}_scored"),
                    "unscored": row.get(f"{judge}_unscored"),
                    "other": {m: row.get(f"{judge}_{m}") for m in judge_extras(board.table, judge, group.judges)},
                    "length_controlled": None
                    if row.get(f"{judge}{LC_SUFFIX}") is None
                    else {
                        "rate": row.get(f"{judge}{LC_SUFFIX}"),
                        "ci_low": row.get(f"{judge}{LC_SUFFIX}_ci_low"),
                        "ci_high": row.get(f"{judge}{LC_SUFFIX}_ci_high"),
                    },
                }
            rows.append(
                {
                    "row": row["row"],
                    "rank": row["rank"],
                    "model": row["model"],
                    "kind": row["kind"],
                    "model_args": json.loads(row["model_args"]),
                    "generate_config": json.loads(row["generate_config"]),
                    "log": row["log"],
                    "log_sha256": row["log_sha256"],
                    "created": row["created"],
                    "samples": row["samples"],
                    "epochs": row["epochs"],
                    "judges": judges,
                    CREATIVITY: {c: row[c] for c in CREATIVITY_COLUMNS if c in row},
                }
            )
        groups.append(
            {
                "id": group.id,
                "primary": group.primary,
                "reason": group.reason,
                "ranked_by": group.ranked_by,
                "config": group.config.as_dict(),
                "judges": [
                    {"name": j, "baseline": j in BASELINE_SCORERS, "card": _card_link(board, group, j, out_dir)}
                    for j in group.judges
                ],
                "rows": rows,
            }
        )
    judge_models = _unique([g.config.judge_models for g in board.groups])
    principles = _unique([g.config.principles_sha256 for g in board.groups])
    return _clean(
        {
            "schema_version": SCHEMA_VERSION,
            "benchmark": board.benchmark,
            "groups": groups,
            "sanity": {
                "ok": not board.sanity,
                "violations": board.sanity,
                "ties": board.ties,
                "unchecked_groups": board.unchecked,
            },
            "excluded": board.excluded,
            "superseded": board.superseded,
            "provenance": {
                "builder": "greetbench leaderboard build",
                "packages": board.packages,
                "judge_models": judge_models,
                "principles_sha256": principles,
                "logs": board.logs,
            },
        }
    )


def _card_link(board: Leaderboard, group: Group, judge: str, out_dir: str | Path | None) -> str | None:
    card = board.cards.get(group.id, {}).get(judge)
    if card is None:
        return None
    target = os.path.relpath(card.resolve(), Path(out_dir).resolve()) if out_dir else str(card)
    return Path(target).as_posix()


def _unique(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def _clean(value: Any) -> Any:
    """NaN and infinities become null (JSON has no spelling for them)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@cache
def leaderboard_schema() -> dict[str, Any]:
    """The JSON Schema of ``leaderboard.json``."""
    return json.loads(resources.files("harness.leaderboard").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8"))


def validate_leaderboard(data: dict[str, Any]) -> None:
    """Validate leaderboard data against its schema.

    Raises:
        jsonschema.ValidationError: With the offending path.
    """
    jsonschema.validate(data, leaderboard_schema(), cls=jsonschema.Draft202012Validator)


# ---------------------------------------------------------------------------------------------------------------
# CSV


_FORMULA = re.compile(r"^[=+\-@\t\r]")


def to_csv(board: Leaderboard) -> str:
    """One line per row of the table (every group; the ``group`` column tells them apart)."""
    table = board.table.with_columns(
        pl.col(c).map_elements(_csv_safe, return_dtype=pl.String)
        for c, dtype in board.table.schema.items()
        if dtype == pl.String
    )
    return table.write_csv()


def _csv_safe(text: str) -> str:
    return f"'{text}" if _FORMULA.match(text) else text


# ---------------------------------------------------------------------------------------------------------------
# Markdown


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(text: Any) -> str:
    """Text safe in a Markdown table cell: one line, HTML-escaped, Markdown punctuation escaped."""
    escaped = html.escape(" ".join(str(text).split()), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", escaped)


def code(text: Any) -> str:
    """Text as a Markdown code span (shown literally, markup included), safe in a table cell."""
    flat = " ".join(str(text).split()).replace("`", "'")
    return f"`{flat.replace('|', chr(92) + '|')}`"


DIGITS = {"mean_length": 1, "mean_cliches": 2}
"""Decimals shown per column (3 unless listed)."""


def fmt(value: Any, digits: int = 3) -> str:
    """A number for display; missing values as an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def rate_text(row: dict[str, Any], judge: str) -> tuple[str, str]:
    """(rate, ``[low, high]``) of a judge in a row."""
    rate = row.get(judge)
    low, high = row.get(f"{judge}_ci_low"), row.get(f"{judge}_ci_high")
    ci = f"[{fmt(low)}, {fmt(high)}]" if low is not None and high is not None else ""
    return fmt(rate), ci


def to_markdown(board: Leaderboard, out_dir: str | Path | None = None) -> str:
    """The leaderboard as Markdown: main table, groups apart with reasons, sanity alarms, exclusions."""
    lines = [f"# Leaderboard: {md(board.benchmark)}", ""]
    lines += [
        "Excellence rate = share of scored greetings a judge calls good, with its 95% Wilson interval. "
        "Length-controlled: each model's rate at the table's median greeting length, from one logistic model of "
        "the judge's verdicts on log length with a term per model (95% bootstrap interval; not for null models). "
        "Null models must rank last under every judge.",
        "",
    ]
    if board.sanity:
        lines += ["## ⚠ Broken judges: a null model outranks a real model", ""]
        lines += [
            f"- **{md(v['message'])}**" + (f" (group {v['group']})" if v["group"] != "main" else "")
            for v in board.sanity
        ]
        lines.append("")
    if board.ties:
        lines += ["Ties (a null model should rank below every real model):", ""]
        lines += [
            f"- {md(t['message'])}" + (f" (group {t['group']})" if t["group"] != "main" else "") for t in board.ties
        ]
        lines.append("")
    for group in board.groups:
        lines += [f"## {'Leaderboard' if group.primary else f'Listed apart: group {group.id}'}", ""]
        if group.reason:
            lines += [md(group.reason), ""]
        lines += [_md_config(group), ""]
        headers = ["rank", "model", "kind"]
        controlled = lc_judges(board, group)
        for judge in group.judges:
            link = _card_link(board, group, judge, out_dir)
            label = md(judge) + (" (baseline)" if judge in BASELINE_SCORERS else "")
            headers.append(f"{label} [card]({quote(link)})" if link else label)
            if judge in controlled:
                headers.append(f"{md(judge)} length-controlled")
        creativity = [c for c in CREATIVITY_COLUMNS if c in board.table.columns]
        headers += [CREATIVITY_LABELS[c] for c in creativity] + ["samples", "log"]
        lines += ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        for row in board.group_rows(group).iter_rows(named=True):
            cells = [fmt(row["rank"]), md(row["model"]), KIND_LABELS[row["kind"]]]
            for judge in group.judges:
                rate, ci = rate_text(row, judge)
                cells.append(f"{rate} {ci}".strip())
                if judge in controlled:
                    rate, ci = rate_text(row, f"{judge}{LC_SUFFIX}")
                    cells.append(f"{rate} {ci}".strip())
            cells += [fmt(row[c], DIGITS.get(c, 3)) for c in creativity]
            cells += [fmt(row["samples"]), code(row["log_sha256"][:12])]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    if board.unchecked:
        lines += [
            f"Groups without both a null model and a real model (judge sanity unchecked): "
            f"{', '.join(board.unchecked)}.",
            "",
        ]
    if board.excluded or board.superseded:
        lines += ["## Not ranked", ""]
        lines += [f"- excluded {code(e['log'])}: {md(e['reason'])}" for e in board.excluded]
        lines += [f"- superseded {code(s['log'])} ({md(s['model'])}): {code(s['by'])} counts" for s in board.superseded]
        lines.append("")
    packages = ", ".join(f"{name} {version or 'absent'}" for name, version in board.packages.items())
    lines += ["## Provenance", "", f"Built with {md(packages)}; log hashes in `leaderboard.json`."]
    return "\n".join(lines) + "\n"


def _md_config(group: Group) -> str:
    config = group.config
    models = ", ".join(code(f"{k}={v}") for k, v in config.judge_models.items()) or "none"
    return (
        f"Task {code(config.task)} v{md(config.task_version)}; prompts {md(config.prompt_set)} "
        f"({config.prompt_count}, `{config.prompt_set_sha256[:12]}`); judge models {models}; "
        f"principles {code((config.principles_sha256 or 'none')[:12])}; ranked by {md(group.ranked_by or 'nothing')}."
    )


# ---------------------------------------------------------------------------------------------------------------
# HTML


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


# ---------------------------------------------------------------------------------------------------------------
# All of it


def write_leaderboard(
    board: Leaderboard,
    out_dir: str | Path,
    sample_limit: int | None = None,
    viewer: str | None = None,
) -> dict[str, Path]:
    """Write the four outputs into ``out_dir`` (created); the JSON is validated against its schema first.

    Returns:
        Output name -> path.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = to_json(board, out)
    validate_leaderboard(data)
    texts = {
        "leaderboard.json": json.dumps(data, ensure_ascii=False, indent=2) + "\n",
        "leaderboard.csv": to_csv(board),
        "leaderboard.md": to_markdown(board, out),
        "index.html": to_html(board, out, sample_limit=sample_limit, viewer=viewer),
    }
    paths = {}
    for name, text in texts.items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        paths[name] = path
    return paths


__all__ = [
    "EXCELLENCE",
    "OUTPUT_FILES",
    "SCHEMA_VERSION",
    "to_csv",
    "to_html",
    "to_json",
    "to_markdown",
    "validate_leaderboard",
    "write_leaderboard",
]
