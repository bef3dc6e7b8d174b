"""A local ``hf/`` checkpoint registered with Inspect's model info is never made a second time by name."""

from __future__ import annotations

import json
from pathlib import Path

import huggingface_hub.file_download
import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.model import get_model_info

from harness.models import build_tiny_qwen2, register_local_model_info


def test_registers_hf_names_of_folders_only(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"max_position_embeddings": 77}), encoding="utf-8")
    info = register_local_model_info("hf/my-run", tmp_path)
    assert info is not None and info.context_length == 77
    assert get_model_info("hf/my-run").context_length == 77
    assert register_local_model_info("openai/gpt-4o", tmp_path) is None
    assert register_local_model_info("hf/elsewhere", tmp_path / "missing") is None


def test_an_hf_run_under_a_bare_name_never_calls_the_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tasks.greeting_generation import greeting_generation

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the Hub was called for a local checkpoint")

    monkeypatch.setattr(huggingface_hub.file_download, "get_hf_file_metadata", no_network)
    folder = build_tiny_qwen2(tmp_path / "model", "causal-lm", seed=0)
    register_local_model_info("hf/tiny-run", folder)
    [log] = inspect_eval(
        greeting_generation(prompts="bundled", judges="length"),
        model="hf/tiny-run",
        model_args={"model_path": str(folder), "device": "cpu"},
        limit=1,
        max_tokens=4,
        display="none",
        log_dir=str(tmp_path / "logs"),
    )
    assert log.status == "success", log.error
