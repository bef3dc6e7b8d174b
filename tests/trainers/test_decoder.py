"""greetbench's batched sampler: what HF generate would sample, with finished rows leaving the batch."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from trainers.decoder import filtered_probabilities, sample_completions


@pytest.fixture(scope="module")
def policy(tiny_policy_dir: Path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return AutoModelForCausalLM.from_pretrained(tiny_policy_dir).eval(), AutoTokenizer.from_pretrained(tiny_policy_dir)


def _prompts(tokenizer) -> list[list[int]]:
    texts = ["请只生成一条祝福语：生日", "请只生成一条祝福语：新年快乐的祝福", "hi"]
    return [tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]


def test_greedy_matches_hf_generate_row_by_row(policy) -> None:
    model, tokenizer = policy
    prompts = _prompts(tokenizer)
    # top_k 1 is greedy; an end token that the tiny model does write, so rows finish at different steps
    first = sample_completions(model, prompts, max_new_tokens=12, eos_token_ids=[0], pad_token_id=0, top_k=1)
    common = {t for row in first for t in row[:6]}
    stop = sorted(common)[len(common) // 2]
    ours = sample_completions(model, prompts, max_new_tokens=12, eos_token_ids=[stop], pad_token_id=0, top_k=1)
    lengths = {len(row) for row in ours}
    assert len(lengths) > 1, ours  # some row left the batch early
    for prompt, row in zip(prompts, ours, strict=True):
        alone = model.generate(
            torch.tensor([prompt]), max_new_tokens=12, do_sample=False, eos_token_id=stop, pad_token_id=0
        )[0, len(prompt) :].tolist()
        assert row == alone[: len(row)] and (row[-1] == stop or len(row) == 12)


def test_temperature_zero_is_greedy_and_draws_nothing(policy) -> None:
    model, tokenizer = policy
    prompts = _prompts(tokenizer)
    top1 = sample_completions(model, prompts, max_new_tokens=8, eos_token_ids=[0], pad_token_id=0, top_k=1)
    generator = torch.Generator().manual_seed(3)
    state = generator.get_state()
    greedy = sample_completions(
        model, prompts, max_new_tokens=8, eos_token_ids=[0], pad_token_id=0, temperature=0, generator=generator
    )
    assert greedy == top1 and torch.equal(generator.get_state(), state)


def test_min_new_tokens_masks_the_end_and_max_new_tokens_bounds(policy) -> None:
    model, tokenizer = policy
    prompts = _prompts(tokenizer)
    greedy = sample_completions(model, prompts, max_new_tokens=1, eos_token_ids=[1], pad_token_id=0, top_k=1)
    stops = [row[0] for row in greedy]  # each row's first greedy token, made an end token
    held = sample_completions(
        model, prompts, max_new_tokens=5, eos_token_ids=stops, pad_token_id=0, top_k=1, min_new_tokens=5
    )
    assert [len(row) for row in held] == [5, 5, 5] and all(row[0] not in stops for row in held)
    assert sample_completions(model, [], max_new_tokens=3, eos_token_ids=[1], pad_token_id=0) == []


def test_sampling_is_seeded(policy) -> None:
    model, tokenizer = policy
    prompts = _prompts(tokenizer)

    def draw(seed: int) -> list[list[int]]:
        generator = torch.Generator().manual_seed(seed)
        return sample_completions(
            model, prompts, max_new_tokens=8, eos_token_ids=[0], pad_token_id=0, generator=generator
        )

    assert draw(1) == draw(1) and draw(1) != draw(2)


def test_filters_keep_the_likely_tokens() -> None:
    logits = torch.tensor([[2.0, 1.0, 0.0, -1.0]])
    assert torch.equal(filtered_probabilities(logits, 1.0, 2, 1.0)[0, 2:], torch.zeros(2))
    assert (filtered_probabilities(logits, 1.0, None, 0.6)[0] > 0).tolist() == [True, False, False, False]  # 0.64
    assert (filtered_probabilities(logits, 1.0, None, 0.8)[0] > 0).tolist() == [True, True, False, False]  # 0.88
    assert filtered_probabilities(logits, 1.0, None, 1.0)[0].sum() == pytest.approx(1.0)
    assert filtered_probabilities(logits, 0.01, None, 1.0)[0, 0] == pytest.approx(1.0)
