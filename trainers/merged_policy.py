"""A plain copy of a LoRA policy with its adapters merged in, for rollouts: decode without the adapters' cost.

On CPU a LoRA policy decodes at about half the speed of the same model without adapters (measured here for the
embedded 0.5B in bf16, r=16 on every linear layer, 8 rows: 0.35 s a token step against 0.17 s, in one loop): each
token runs the small adapter matrices of 168 layers beside the base ones. Rollouts need only the policy's current
weights, so before each rollout batch the adapted layers' weights are written as ``W + delta`` (PEFT's
``get_delta_weight``) into a plain model that shares every other tensor (embeddings, norms, biases, the head) with
the policy. Memory: one more copy of the adapted weights. Sampling from it is sampling from the policy without
dropout, as vLLM does; its numbers differ from the unmerged sum only by the rounding of one addition in the
weights' dtype.
"""

from __future__ import annotations

from typing import Any

import torch


class MergedPolicy:
    """The plain copy (``model``) of a PEFT policy; :meth:`refresh` writes the current merged weights into it."""

    def __init__(self, policy: Any) -> None:
        """Build the copy from ``policy`` (a ``peft.PeftModel`` with one active LoRA adapter).

        Raises:
            ValueError: ``policy`` has no LoRA layer.
        """
        from peft.tuners.lora import LoraLayer
        from transformers import AutoModelForCausalLM

        base = policy.get_base_model()
        self.adapter = policy.active_adapter
        self.layers: list[tuple[Any, torch.Tensor]] = []
        state: dict[str, torch.Tensor] = {}
        wrapped = {name for name, module in base.named_modules() if isinstance(module, LoraLayer)}
        if not wrapped:
            raise ValueError("the policy has no LoRA layer to merge")
        for name, module in base.named_modules():
            if name in wrapped:
                inner = module.get_base_layer()
                merged = torch.empty_like(inner.weight)
                self.layers.append((module, merged))
                state[f"{name}.weight"] = merged
                if inner.bias is not None:
                    state[f"{name}.bias"] = inner.bias
            elif not any(name.startswith(f"{w}.") for w in wrapped):
                for key, tensor in [*module.named_parameters(recurse=False), *module.named_buffers(recurse=False)]:
                    state[f"{name}.{key}" if name else key] = tensor
        with torch.device("meta"):
            self.model = AutoModelForCausalLM.from_config(base.config, dtype=base.dtype)
        self.model.load_state_dict(state, strict=False, assign=True)
        self.model.tie_weights()
        # modules whose tensors are not in a state dict (rotary embeddings' non-persistent buffers) are shared
        for name, module in list(self.model.named_modules()):
            if name and any(b.is_meta for b in module.buffers(recurse=False)):
                self.model.set_submodule(name, base.get_submodule(name))
        tensors = [*self.model.named_parameters(), *self.model.named_buffers()]
        missing = [key for key, tensor in tensors if tensor.is_meta]
        if missing:
            raise ValueError(f"the merged copy lacks {missing[:3]}")
        self.model.generation_config = base.generation_config
        self.model.eval()  # requires_grad is left as the policy's: the shared tensors are the policy's own

    @torch.no_grad()
    def refresh(self) -> Any:
        """Write ``W + delta`` of every adapted layer into the copy; return the copy."""
        for module, merged in self.layers:
            weight = module.get_base_layer().weight
            delta = module.get_delta_weight(self.adapter) if self.adapter in module.lora_A else None
            merged.copy_(weight if delta is None else weight + delta.to(weight.dtype))
        return self.model
