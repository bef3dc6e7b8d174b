"""``leaderboard.csv``: one line per row of the table; cells a spreadsheet would read as a formula get an apostrophe."""

from __future__ import annotations

import re

import polars as pl

from harness.leaderboard.table import Leaderboard

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
