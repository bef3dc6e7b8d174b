"""A reward mix with an unscored term: TRL's own advantage computation gives that completion no signal."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from trainers.grpo_trainer import UNSCORED_SHARE, GreetbenchGRPOTrainer, drop_partly_unscored

GROUP = 4


def quality(prompts, completions, **kwargs) -> list[float]:
    """A scored term: 1, 2, 3, 4 within each group, whatever the text."""
    return [float(i % GROUP + 1) for i in range(len(prompts))]


def judge(prompts, completions, **kwargs) -> list[float | None]:
    """A judge term that could not score the best completion of each group (its call failed)."""
    return [None if i % GROUP == GROUP - 1 else 0.5 for i in range(len(prompts))]


def _advantages(trainer_class: type, policy: Path, tmp_path: Path) -> tuple[list[float], dict]:
    from datasets import Dataset
    from trl import GRPOConfig

    args = GRPOConfig(
        output_dir=str(tmp_path),
        use_cpu=True,
        per_device_train_batch_size=GROUP,
        num_generations=GROUP,
        max_completion_length=4,
        reward_weights=[1.0, 1.0],
        report_to="none",
        seed=0,
    )
    prompt = [{"role": "user", "content": "请只生成一条祝福语：生日"}]
    trainer = trainer_class(
        model=str(policy),
        reward_funcs=[quality, judge],
        args=args,
        train_dataset=Dataset.from_list([{"prompt": prompt}] * GROUP),
    )
    trainer.model.train()
    batch = trainer._generate_and_score_completions([{"prompt": prompt}] * GROUP)
    return batch["advantages"].tolist(), trainer._metrics["train"]


def test_a_partly_unscored_completion_gets_no_signal_from_the_mix(tiny_policy_dir: Path, tmp_path: Path) -> None:
    from trl import GRPOTrainer

    advantages, metrics = _advantages(GreetbenchGRPOTrainer, tiny_policy_dir, tmp_path / "ours")
    # the unscored completion: advantage 0; the baseline is the mean of the three scored ones (1.5, 2.5, 3.5)
    assert advantages[GROUP - 1] == 0.0
    scored = torch.tensor([1.5, 2.5, 3.5])
    expected = (scored - scored.mean()) / (scored.std() + 1e-4)
    assert advantages[: GROUP - 1] == pytest.approx(expected.tolist(), abs=1e-4)
    assert metrics[UNSCORED_SHARE] == [0.25]

    # plain TRL counts the missing term as 0: the unscored completion (4 + 0) is trained on as the group's best
    plain, _ = _advantages(GRPOTrainer, tiny_policy_dir, tmp_path / "plain")
    assert plain[GROUP - 1] > 0.5


def test_only_rows_with_a_missing_term_are_dropped() -> None:
    nan = math.nan
    rewards = torch.tensor([[1.0, 2.0], [nan, 2.0], [nan, nan], [3.0, 0.0]])
    dropped = drop_partly_unscored(rewards)
    assert dropped[0].tolist() == [1.0, 2.0] and dropped[3].tolist() == [3.0, 0.0]
    assert torch.isnan(dropped[1]).all() and torch.isnan(dropped[2]).all()
    assert not torch.isnan(rewards[1, 1])  # the input is left alone
    # a term of weight 0 is only logged: its None drops nothing
    logged_only = drop_partly_unscored(torch.tensor([[1.0, nan], [nan, 2.0]]), torch.tensor([1.0, 0.0]))
    assert logged_only[0, 0] == 1.0 and torch.isnan(logged_only[0, 1])
    assert torch.isnan(logged_only[1]).all()
    lone = torch.tensor([[nan], [1.0]])
    assert torch.equal(torch.isnan(drop_partly_unscored(lone)), torch.isnan(lone))
