"""What every leaderboard format shows: column labels, number formatting, rates with their intervals, a judge's other
metrics, which judges have a length-controlled rate, and card links."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import polars as pl

from harness.interval_keys import CI_HIGH, CI_LOW, interval_of
from harness.leaderboard.length_control import LC_SUFFIX
from harness.leaderboard.table import Group, Leaderboard

JUDGE_SUFFIXES = (
    *(CI_LOW, CI_HIGH, "_scored", "_unscored"),
    *(LC_SUFFIX, f"{LC_SUFFIX}{CI_LOW}", f"{LC_SUFFIX}{CI_HIGH}"),
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
    low, high = interval_of(row, judge)
    ci = f"[{fmt(low)}, {fmt(high)}]" if low is not None and high is not None else ""
    return fmt(rate), ci


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


def _card_link(board: Leaderboard, group: Group, judge: str, out_dir: str | Path | None) -> str | None:
    card = board.cards.get(group.id, {}).get(judge)
    if card is None:
        return None
    target = os.path.relpath(card.resolve(), Path(out_dir).resolve()) if out_dir else str(card)
    return Path(target).as_posix()
