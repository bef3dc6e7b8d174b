"""Paths in a judge report, written relative to the report folder: a card names no folder of the machine that made it.

A committed report then reads the same on every checkout: ``../judge-logs/<log>.eval`` rather than
``/home/someone/greetbench/leaderboards/greetings/judge-logs/<log>.eval``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from harness.paths import cache_dir

FILE_URL = "file://"

CACHE_LABEL = "<greetbench cache>"
"""How a path under the greetbench cache (a prepared judge, a converted model) is written: the cache's place
differs from machine to machine, and a path climbing out of the report to reach it would name this one's."""

RELATIVE_TO = "the report folder (judge-report --out)"
"""What a card's paths are relative to, as its provenance says."""


def relative_path(text: str, base: str | Path) -> str:
    """``text`` relative to ``base`` when it is an absolute local path or a ``file://`` URL, else unchanged.

    Args:
        text: Any string of a card.
        base: The report folder.

    Returns:
        A POSIX path relative to ``base`` (``../judge-logs/x.eval``), ``<greetbench cache>/...`` for a path under
        the greetbench cache, or ``text`` itself.
    """
    path = unquote(urlparse(text).path) if text.startswith(FILE_URL) else text
    if "\n" in path or not os.path.isabs(path):
        return text
    cache = cache_dir().resolve()
    if Path(path).is_relative_to(cache):
        return (Path(CACHE_LABEL) / Path(path).relative_to(cache)).as_posix()
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
