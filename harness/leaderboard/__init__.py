"""Leaderboards from Inspect logs: read and check logs (:mod:`.logs`), register submissions (:mod:`.submissions`),
tabulate and rank with polars (:mod:`.table`), write json/csv/md/html (:mod:`.render`); CLI in :mod:`.commands`.

Names are imported on first use, so that the CLI (``greetbench --help``) does not pay for Inspect and polars.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

DEFAULT_BENCHMARK = "greetings"
"""The leaderboard of this repository (``leaderboards/greetings/``)."""

DEFAULT_ROOT = Path("leaderboards")
"""The folder of all leaderboards."""

_EXPORTS = {
    "BuildInputs": "build",
    "build_leaderboard": "build",
    "LogReadError": "logs",
    "LogRecord": "logs",
    "RunConfig": "logs",
    "check_leaderboard_log": "logs",
    "read_log": "logs",
    "run_config": "logs",
    "Refused": "submissions",
    "Registry": "submissions",
    "add_log": "submissions",
    "Group": "table",
    "Leaderboard": "table",
    "tabulate": "table",
    "write_leaderboard": "render",
    "validate_leaderboard": "render",
}

__all__ = sorted([*_EXPORTS, "DEFAULT_BENCHMARK", "DEFAULT_ROOT"])


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
