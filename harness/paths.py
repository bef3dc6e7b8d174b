"""Where greetbench keeps what it downloads or builds once (data, converted models, embeddings)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_dir

CACHE_ENV = "GREETBENCH_CACHE_DIR"


def cache_dir(*parts: str) -> Path:
    """Return (and create) a folder under the greetbench cache.

    The root is ``$GREETBENCH_CACHE_DIR`` when set, else the platform's user cache folder
    (``~/.cache/greetbench`` on Linux).

    Args:
        *parts: Sub-folders below the cache root.

    Returns:
        The folder, created if it did not exist.
    """
    root = Path(os.environ.get(CACHE_ENV) or user_cache_dir("greetbench"))
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
