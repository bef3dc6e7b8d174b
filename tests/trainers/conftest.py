"""Fixtures of the trainer tests: a small hand-made data folder in the paper's layout, and one torch thread."""

from __future__ import annotations

from pathlib import Path

import pytest
from mini_data import build_data_dir


@pytest.fixture(scope="session")
def mini_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small clean data folder (read-only)."""
    return build_data_dir(tmp_path_factory.mktemp("mini-data"))


@pytest.fixture(scope="session")
def bad_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small data folder plus a record without ``rejected`` and an SFT record without ``output``."""
    return build_data_dir(tmp_path_factory.mktemp("bad-data"), bad_rows=True)


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Train on one thread: the test machines are shared, and tiny models gain nothing from more."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
