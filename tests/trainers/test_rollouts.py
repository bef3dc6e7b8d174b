"""The rollout engine: what the config asks, what the machine allows, recorded either way."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from trainers import rollouts
from trainers.rollouts import HF_GENERATE, VLLM_COLOCATE, VLLM_SERVER, choose_rollouts


def _config(use_vllm: bool, mode: str = "colocate") -> SimpleNamespace:
    return SimpleNamespace(use_vllm=use_vllm, vllm_mode=mode, vllm_gpu_memory_utilization=0.3, num_generations=4)


def test_hf_generate_when_asked() -> None:
    choice = choose_rollouts(_config(False))
    assert (choice.engine, choice.requested, choice.reason) == (HF_GENERATE, HF_GENERATE, None)


def test_falls_back_to_hf_generate_without_vllm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rollouts, "vllm_version", lambda: None)
    config = _config(True)
    choice = choose_rollouts(config)
    assert (choice.engine, choice.requested) == (HF_GENERATE, VLLM_COLOCATE)
    assert "vllm cannot be imported" in str(choice.reason)
    assert config.use_vllm is False and choice.settings["use_vllm"] is False


@pytest.mark.parametrize(("mode", "engine"), [("colocate", VLLM_COLOCATE), ("server", VLLM_SERVER)])
def test_vllm_where_importable(monkeypatch: pytest.MonkeyPatch, mode: str, engine: str) -> None:
    monkeypatch.setattr(rollouts, "vllm_version", lambda: "0.31.0")
    config = _config(True, mode)
    choice = choose_rollouts(config)
    assert (choice.engine, choice.vllm_version, config.use_vllm) == (engine, "0.31.0", True)
    assert choice.to_dict()["settings"]["vllm_mode"] == mode
