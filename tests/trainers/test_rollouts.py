"""The rollout engine: what the config asks, what the machine allows, recorded either way."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from trainers import rollouts
from trainers.rollouts import GREETBENCH_SAMPLER, HF_GENERATE, VLLM_COLOCATE, VLLM_SERVER, choose_rollouts


def _config(use_vllm: bool, mode: str = "colocate", **more) -> SimpleNamespace:
    return SimpleNamespace(
        use_vllm=use_vllm, vllm_mode=mode, vllm_gpu_memory_utilization=0.3, num_generations=4, **more
    )


def test_greetbench_sampler_without_vllm_unless_the_run_needs_hf_generate() -> None:
    choice = choose_rollouts(_config(False, generation_kwargs={"min_new_tokens": 4}))
    assert (choice.engine, choice.requested, choice.reason) == (GREETBENCH_SAMPLER, HF_GENERATE, None)
    for more, processes, why in (
        ({"repetition_penalty": 1.1}, 1, "repetition_penalty is set"),
        ({"min_p": 0.05}, 1, "min_p is set"),
        ({"generation_kwargs": {"no_repeat_ngram_size": 3}}, 1, "generation_kwargs ['no_repeat_ngram_size']"),
        ({}, 2, "several processes"),
    ):
        choice = choose_rollouts(_config(False, **more), processes)
        assert choice.engine == HF_GENERATE and why in str(choice.reason)


def test_falls_back_without_vllm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rollouts, "vllm_version", lambda: None)
    config = _config(True)
    choice = choose_rollouts(config)
    assert (choice.engine, choice.requested) == (GREETBENCH_SAMPLER, VLLM_COLOCATE)
    assert "vllm cannot be imported" in str(choice.reason)
    assert config.use_vllm is False and choice.settings["use_vllm"] is False


@pytest.mark.parametrize(("mode", "engine"), [("colocate", VLLM_COLOCATE), ("server", VLLM_SERVER)])
def test_vllm_where_importable(monkeypatch: pytest.MonkeyPatch, mode: str, engine: str) -> None:
    monkeypatch.setattr(rollouts, "vllm_version", lambda: "0.31.0")
    config = _config(True, mode)
    choice = choose_rollouts(config)
    assert (choice.engine, choice.vllm_version, config.use_vllm) == (engine, "0.31.0", True)
    assert choice.to_dict()["settings"]["vllm_mode"] == mode
