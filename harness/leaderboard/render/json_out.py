"""``leaderboard.json``: the leaderboard as JSON-ready data, following ``leaderboard.schema.json``."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from harness.interval_keys import interval_of
from harness.judge_names import BASELINE_SCORERS
from harness.leaderboard.length_control import LC_SUFFIX
from harness.leaderboard.logs import CREATIVITY
from harness.leaderboard.render.cells import _card_link, judge_extras
from harness.leaderboard.render.schema import SCHEMA_VERSION
from harness.leaderboard.table import CREATIVITY_COLUMNS, Leaderboard


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
                low, high = interval_of(row, judge)
                lc_low, lc_high = interval_of(row, f"{judge}{LC_SUFFIX}")
                judges[judge] = {
                    "rate": row.get(judge),
                    "ci_low": low,
                    "ci_high": high,
                    "scored": row.get(f"{judge}_scored"),
                    "unscored": row.get(f"{judge}_unscored"),
                    "other": {m: row.get(f"{judge}_{m}") for m in judge_extras(board.table, judge, group.judges)},
                    "length_controlled": None
                    if row.get(f"{judge}{LC_SUFFIX}") is None
                    else {
                        "rate": row.get(f"{judge}{LC_SUFFIX}"),
                        "ci_low": lc_low,
                        "ci_high": lc_high,
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
