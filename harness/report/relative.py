"""Paths in a judge report, written relative to the report folder: a card names no folder of the machine that made it.

A committed report then reads the same on every checkout: ``../judge-logs/<log>.eval`` rather than
``/home/someone/greetbench/leaderboards/greetings/judge-logs/<log>.eval``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

FILE_URL = "file://"

RELATIVE_TO = "the report folder (judge-report --out)"
"""What a card's paths are relative to, as its provenance says."""


def relative_path(text: str, base: str | Path) -> str:
    """``text`` relative to ``base`` when it is an absolute local path or a ``file://`` URL, else unchanged.

    Args:
        text: Any string of a card.
        base: The report folder.

    Returns:
        A POSIX path relative to ``base`` (``../judge-logs/x.eval``), or ``text`` itself.
    """
    path = unquote(urlparse(text).path) if text.startswith(FILE_URL) else text
    if "\n" in path or not os.path.isabs(path):
        return text
    return Path(os.path.relpath(path, Path(base).resolve())).as_posix()


def relative_paths(value: Any, base: str | Path) -> Any:
    """``value`` (a card, or any part of one) with every absolute path in it made relative to ``base``."""
    if isinstance(value, str):
        return relative_path(value, base)
    if isinstance(value, dict):
        return {key: relative_paths(item, base) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [relative_paths(item, base) for item in value]
    return value
