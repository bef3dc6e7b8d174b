"""Tiny random Qwen2 models and tokenizer: deterministic, Qwen-shaped, loadable with the Auto classes."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer

from harness.models.tiny import (
    EOS_TOKEN,
    PAD_TOKEN,
    build_tiny_qwen2,
    build_tiny_tokenizer,
    qwen_chat_template,
    tiny_corpus,
)

CONVERSATION = [{"role": "user", "content": "妈妈生日祝福语"}, {"role": "assistant", "content": "祝妈妈生日快乐！"}]
EXPECTED_RENDERING = (
    "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
    "<|im_start|>user\n妈妈生日祝福语<|im_end|>\n<|im_start|>assistant\n祝妈妈生日快乐！<|im_end|>\n"
)


def _weights(folder: Path) -> dict[str, torch.Tensor]:
    return load_file(folder / "model.safetensors")


def test_same_seed_same_weights_and_global_rng_untouched(tmp_path: Path, tiny_reward_model_dir: Path) -> None:
    state = torch.random.get_rng_state()
    again = build_tiny_qwen2(tmp_path / "again", "seq-cls", seed=0)
    assert torch.equal(torch.random.get_rng_state(), state)
    first, second = _weights(tiny_reward_model_dir), _weights(again)
    assert first.keys() == second.keys()
    assert all(torch.equal(first[name], second[name]) for name in first)
    other = _weights(build_tiny_qwen2(tmp_path / "other", "seq-cls", seed=1))
    assert not all(torch.equal(first[name], other[name]) for name in first)


def test_tokenizer_is_deterministic_and_qwen_shaped(tmp_path: Path) -> None:
    first = build_tiny_tokenizer(tmp_path / "a")
    second = build_tiny_tokenizer(tmp_path / "b")
    assert (first / "tokenizer.json").read_bytes() == (second / "tokenizer.json").read_bytes()
    tokenizer = AutoTokenizer.from_pretrained(first)
    assert tokenizer.eos_token == EOS_TOKEN == "<|im_end|>"
    assert tokenizer.pad_token == PAD_TOKEN == "<|endoftext|>"
    assert tokenizer.pad_token_id != tokenizer.eos_token_id
    assert tokenizer.bos_token is None
    assert tokenizer.padding_side == "right"
    for token in ("<|im_start|>", "<|im_end|>", "<|endoftext|>"):
        assert len(tokenizer(token, add_special_tokens=False)["input_ids"]) == 1  # one special token, not bytes
    text = "亲爱的奶奶，生日快乐！🎂 Happy birthday\n\t"  # byte-level: anything round-trips, nothing is unknown
    assert tokenizer.decode(tokenizer(text, add_special_tokens=False)["input_ids"]) == text


def test_corpus_covers_requests_and_greetings() -> None:
    corpus = tiny_corpus()
    assert len(corpus) >= 300
    assert any(line.startswith("请只生成一条祝福语：") for line in corpus)
    assert corpus == tiny_corpus()


def test_chat_template_is_trls_qwen2_5(tiny_reward_model_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny_reward_model_dir)
    assert tokenizer.chat_template == qwen_chat_template()
    assert tokenizer.apply_chat_template(CONVERSATION, tokenize=False) == EXPECTED_RENDERING
    prompt = tokenizer.apply_chat_template(CONVERSATION[:1], tokenize=False, add_generation_prompt=True)
    assert prompt.endswith("<|im_start|>assistant\n")


def test_seq_cls_model_outputs_one_reward_per_row(tiny_reward_model_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny_reward_model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(tiny_reward_model_dir)
    assert model.config.num_labels == 1
    assert model.config.pad_token_id == tokenizer.pad_token_id
    batch = tokenizer(["祝你生日快乐", "新年快乐，万事如意，阖家幸福"], padding=True, return_tensors="pt")
    with torch.inference_mode():
        assert model(**batch).logits.shape == (2, 1)


def test_causal_lm_generates_until_im_end(tiny_policy_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny_policy_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_policy_dir)
    assert model.generation_config.eos_token_id == tokenizer.eos_token_id
    assert model.generation_config.pad_token_id == tokenizer.pad_token_id
    prompt = tokenizer.apply_chat_template(CONVERSATION[:1], add_generation_prompt=True, return_tensors="pt")
    prompt_ids = prompt["input_ids"]
    output = model.generate(**prompt, max_new_tokens=6, do_sample=False)
    assert output.shape[0] == 1 and prompt_ids.shape[1] < output.shape[1] <= prompt_ids.shape[1] + 6
    assert torch.equal(output[:, : prompt_ids.shape[1]], prompt_ids)


@pytest.mark.parametrize(
    ("kind", "hidden_size", "layers", "message"),
    [("mlp", 32, 2, "kind"), ("seq-cls", 36, 2, "hidden_size"), ("causal-lm", 32, 0, "layers")],
)
def test_rejects_unusable_settings(tmp_path: Path, kind: str, hidden_size: int, layers: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_tiny_qwen2(tmp_path, kind, hidden_size=hidden_size, layers=layers)  # type: ignore[arg-type]
    assert not any(tmp_path.iterdir())
