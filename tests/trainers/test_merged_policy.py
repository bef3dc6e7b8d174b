"""The merged copy a LoRA policy's rollouts decode from: the policy's function, refreshed, sharing the rest."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from trainers.merged_policy import MergedPolicy


@pytest.fixture
def lora_policy(tiny_policy_dir: Path):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_policy_dir)
    config = LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", init_lora_weights=False, task_type="CAUSAL_LM")
    return get_peft_model(model, config).eval()


def test_the_copy_computes_the_policy_and_follows_its_updates(lora_policy) -> None:
    merged = MergedPolicy(lora_policy)
    ids = torch.tensor([[3, 14, 15, 9, 2]])
    with torch.no_grad():
        copy = merged.refresh()
        assert torch.allclose(copy(ids).logits, lora_policy(ids).logits, atol=1e-4)
        for name, parameter in lora_policy.named_parameters():  # a training step moves the adapters
            if "lora_B" in name:
                parameter.add_(0.05)
        moved = lora_policy(ids).logits
        assert not torch.allclose(copy(ids).logits, moved, atol=1e-3)  # stale until refreshed
        assert torch.allclose(merged.refresh()(ids).logits, moved, atol=1e-4)


def test_the_copy_shares_what_lora_does_not_touch(lora_policy) -> None:
    copy = MergedPolicy(lora_policy).refresh()
    base = lora_policy.get_base_model()
    assert copy.model.embed_tokens.weight.data_ptr() == base.model.embed_tokens.weight.data_ptr()
    assert copy.model.norm.weight.data_ptr() == base.model.norm.weight.data_ptr()
    q_proj = base.model.layers[0].self_attn.q_proj
    assert copy.model.layers[0].self_attn.q_proj.weight.data_ptr() != q_proj.base_layer.weight.data_ptr()
    assert not copy.training


def test_a_model_without_lora_is_refused(tiny_policy_dir: Path) -> None:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_policy_dir)
    wrapped = get_peft_model(model, LoraConfig(r=2, target_modules=["q_proj"], task_type="CAUSAL_LM"))
    wrapped.unload()  # the adapters gone: nothing to merge
    with pytest.raises(ValueError, match="no LoRA layer"):
        MergedPolicy(wrapped)
