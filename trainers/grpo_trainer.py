"""TRL's ``GRPOTrainer`` with one change: a completion that any reward term left unscored gets no signal from the mix.

TRL (1.x) weighs the terms and sums them with ``nansum``, so a None from one term of a mix counts as a reward of 0
for that term, and the completion is trained on a total that nobody measured. Only a completion for which every
term is None is left out of its group's baseline and gets advantage 0. Here a row with a None in any term of
non-zero weight becomes a row of None before TRL sums it, so TRL's own unscorable path takes it: out of the
baseline, advantage 0, out of the logged reward means. The share of such rows is logged as
``rewards/unscored_share``.
"""

from __future__ import annotations

from typing import Any

import torch
from trl import GRPOTrainer

UNSCORED_SHARE = "rewards/unscored_share"
"""Logged each step: the share of completions with at least one unscored term (no training signal)."""


def drop_partly_unscored(rewards_per_func: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
    """Rows (completions) with a NaN in any weighted column (reward term) become all NaN; the others are unchanged.

    Args:
        rewards_per_func: TRL's ``(completions, reward terms)`` matrix, NaN where a term returned None.
        weights: The terms' weights; a term of weight 0 adds nothing to the sum, so its None drops nothing (it is
            only logged). None: every term counts.

    Returns:
        A new matrix; one column (a lone reward) comes back as it was.
    """
    rewards = rewards_per_func.clone()
    missing = torch.isnan(rewards)
    if weights is not None:
        missing = missing & (weights.to(rewards.device) != 0).unsqueeze(0)
    rewards[missing.any(dim=1)] = torch.nan
    return rewards


class GreetbenchGRPOTrainer(GRPOTrainer):
    """``trl.GRPOTrainer`` whose reward mix gives a completion no signal when any of its terms is unscored, and
    whose rollouts (without vLLM) can come from greetbench's batched sampler (:mod:`trainers.decoder`)."""

    def __init__(self, *args: Any, own_sampler: bool = False, **kwargs: Any) -> None:
        """TRL's trainer; ``own_sampler`` makes the non-vLLM rollouts with :func:`trainers.decoder.sample_completions`
        (check :func:`trainers.rollouts.sampler_unsupported` first), from a merged copy of a LoRA policy
        (:class:`trainers.merged_policy.MergedPolicy`, refreshed before every rollout batch)."""
        super().__init__(*args, **kwargs)
        self.own_sampler = own_sampler
        self._merged_policy: Any = None  # built on the first LoRA rollout

    def _generate_single_turn(
        self, prompt_ids: Any, images: Any, multimodal_fields: Any, num_generations: int, *args: Any, **kwargs: Any
    ) -> tuple[list[list[int]], None]:
        if self.use_vllm or not self.own_sampler or images or multimodal_fields:
            return super()._generate_single_turn(
                prompt_ids, images, multimodal_fields, num_generations, *args, **kwargs
            )
        from trl.models.utils import unwrap_model_for_generation

        from trainers.decoder import sample_completions

        config = self.generation_config
        with unwrap_model_for_generation(
            self.model_wrapped, self.accelerator, generation_kwargs=self.generation_kwargs
        ) as model:
            completions = sample_completions(
                self.decoding_model(model),
                prompt_ids,
                max_new_tokens=self.max_completion_length,
                eos_token_ids=self.eos_token_ids,
                pad_token_id=self._tokenizer.pad_token_id,
                temperature=self.temperature,
                top_k=config.top_k,
                top_p=config.top_p if config.top_p is not None else 1.0,
                min_new_tokens=(self.args.generation_kwargs or {}).get("min_new_tokens", 0),
            )
        return completions, None

    def decoding_model(self, model: Any) -> Any:
        """What to decode ``model`` (the unwrapped policy) from: for a LoRA policy its merged copy, refreshed to the
        current weights (about twice as fast a token on CPU; built once, on first use), else ``model`` itself."""
        if not hasattr(model, "get_base_model"):
            return model
        if self._merged_policy is None:
            from trainers.merged_policy import MergedPolicy

            self._merged_policy = MergedPolicy(model)
        return self._merged_policy.refresh()

    def _calculate_rewards(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        rewards = drop_partly_unscored(super()._calculate_rewards(*args, **kwargs), self.reward_weights)
        mode = "train" if self.model.training else "eval"
        self._metrics[mode][UNSCORED_SHARE].append(torch.isnan(rewards).all(dim=1).float().mean().item())
        return rewards
