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


@pytest.fixture(scope="session")
def tiny_reward_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random tiny one-label Qwen2 reward model (seed 0) with the tiny tokenizer, built once per session.

    It has no threshold file. Treat it as read-only: copy it (``shutil.copytree``) before writing into it.
    """
    from harness.models.tiny import build_tiny_qwen2

    return build_tiny_qwen2(tmp_path_factory.mktemp("tiny") / "reward-model", "seq-cls")


@pytest.fixture(scope="session")
def tiny_policy_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random tiny Qwen2 causal LM (seed 0) with the tiny tokenizer, built once per session. Read-only."""
    from harness.models.tiny import build_tiny_qwen2

    return build_tiny_qwen2(tmp_path_factory.mktemp("tiny") / "policy", "causal-lm")
