"""Shared fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """The paper's released data: $GREETBENCH_DATA_DIR, else ../shared/data/greetings beside the repo."""
    root = Path(os.environ.get("GREETBENCH_DATA_DIR") or REPO.parent / "shared" / "data" / "greetings")
    if not (root / "evaluation_set" / "evaluate_data.json").is_file():
        pytest.skip(f"the paper's data is not at {root} (set GREETBENCH_DATA_DIR)")
    return root
