"""``leaderboard.md``: the leaderboard as Markdown; cells are HTML-escaped and their Markdown punctuation escaped."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from harness.judge_names import BASELINE_SCORERS
from harness.leaderboard.length_control import LC_SUFFIX
from harness.leaderboard.render.cells import (
    CREATIVITY_LABELS,
    DIGITS,
    KIND_LABELS,
    _card_link,
    fmt,
    lc_judges,
    rate_text,
)
from harness.leaderboard.table import CREATIVITY_COLUMNS, Group, Leaderboard

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(text: Any) -> str:
    """Text safe in a Markdown table cell: one line, HTML-escaped, Markdown punctuation escaped."""
    escaped = html.escape(" ".join(str(text).split()), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", escaped)


def code(text: Any) -> str:
    """Text as a Markdown code span (shown literally, markup included), safe in a table cell."""
    flat = " ".join(str(text).split()).replace("`", "'")
    return f"`{flat.replace('|', chr(92) + '|')}`"


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
