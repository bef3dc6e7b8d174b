"""Config files and presets: loading, strict keys and types, overrides, model resolution, tokenizer checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainers.config import (
    ConfigError,
    load_config,
    load_tokenizer,
    preset_names,
    resolve_config_path,
    resolve_model,
)
from trainers.reward import RewardConfig
from trainers.sft import SftConfig

PRESETS = {
    "sft-tiny-cpu",
    "sft-embedded-0.5b",
    "sft-qwen2.5-7b-1xa100-80g",
    "rm-tiny-cpu",
    "rm-embedded-0.5b",
    "rm-embedded-cheap",
    "rm-embedded-hardened",
    "rm-embedded-hardened-balanced",
    "rm-embedded-hardened-length-head",
    "rm-qwen2.5-7b-1xa100-80g",
}
"""The SFT and RM presets (the GRPO presets: tests/trainers/test_grpo_config.py)."""


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_loads(name: str) -> None:
    config = load_config(SftConfig if name.startswith("sft") else RewardConfig, name)
    assert config.finetune == "lora"
    # adapters on every linear layer, or (top-layer LoRA) on every linear module of the last lora_layers layers
    assert config.lora_target_modules == "all-linear" or (
        config.lora_layers
        and set(config.lora_target_modules)
        == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    )
    if "hardened" in name:  # the prepared rm judge: augmented, bf16 autocast on CPU, seeded
        assert (config.model, config.dtype, config.bf16, config.use_cpu) == ("embedded", "bfloat16", True, True)
        assert config.augment > 0 and config.lora_layers
    if "tiny" in name:
        assert (config.model, config.dtype, config.bf16, config.use_cpu) == ("tiny", "float32", False, True)
        assert config.max_train_rows == 64
    elif "7b" in name:
        assert config.model == "Qwen/Qwen2.5-7B-Instruct"
        assert (config.dtype, config.bf16, config.gradient_checkpointing) == ("bfloat16", True, True)
    elif "cheap" in name:  # the prepared rm judge: fp32 on CPU, seeded
        assert (config.model, config.dtype, config.bf16, config.use_cpu) == ("embedded", "float32", False, True)
    else:
        assert (config.model, config.dtype) == ("embedded", "bfloat16")
    if name == "sft-tiny-cpu":
        assert config.eval_judges == "length"  # no judge model needed


def test_presets_are_listed() -> None:
    assert {name for name in preset_names() if not name.startswith("grpo-")} == PRESETS


def test_unknown_key_names_the_key_and_the_file(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text("model: tiny\noutput_dir: out\nlearning_rat: 0.1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"run\.yaml: unknown key 'learning_rat' for SftConfig"):
        load_config(SftConfig, path)
    path.write_text("model: tiny\noutput_dir: out\nmax_test_pairs: 5\n", encoding="utf-8")  # an RM-only key
    with pytest.raises(ConfigError, match="unknown key 'max_test_pairs'"):
        load_config(SftConfig, path)
    assert load_config(RewardConfig, path).max_test_pairs == 5


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("max_steps: 2.5", "key 'max_steps': invalid int value: '2.5'"),
        ("bf16: 'no'", "key 'bf16': expected true or false"),
        ("finetune: qlora", r"key 'finetune': invalid choice: 'qlora' \(choose from 'lora', 'full'\)"),
        ("learning_rate: fast", "key 'learning_rate': invalid float value: 'fast'"),
        ("lora_target_modules: [q_proj, 3]", "key 'lora_target_modules': expected a list of strings, got the item 3"),
        ("max_length: 4", "max_length must be at least 8"),
    ],
)
def test_bad_values_name_the_key_and_the_file(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(f"model: tiny\noutput_dir: out\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(SftConfig, path)
    assert str(path) in str(caught.value)


def test_yaml_quirks_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    # PyYAML reads 2e-4 as a string; a float field takes it. A list of modules is kept.
    path.write_text("model: tiny\noutput_dir: out\nlearning_rate: 2e-4\nlora_target_modules: [q_proj, v_proj]\n")
    config = load_config(RewardConfig, path, max_steps=3, output_dir="elsewhere", data_dir=None)
    assert config.learning_rate == 2e-4 and config.lora_target_modules == ["q_proj", "v_proj"]
    assert (config.max_steps, config.output_dir, config.data_dir) == (3, "elsewhere", None)
    assert config.final_dir == Path("elsewhere/model") and config.logs_dir == Path("elsewhere/logs")


def test_missing_things_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such preset; presets: .*rm-embedded-0.5b.*sft-tiny-cpu"):
        resolve_config_path("sft-tiny-gpu")
    path = tmp_path / "run.yaml"
    path.write_text("output_dir: out\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="missing key 'model'"):
        load_config(SftConfig, path)
    path.write_text("- model\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(SftConfig, path)


def test_model_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = resolve_model("tiny", tmp_path)
    assert built == str(tmp_path / "base-model") and (tmp_path / "base-model" / "config.json").is_file()
    stamp = (tmp_path / "base-model" / "model.safetensors").stat().st_mtime_ns
    assert resolve_model("tiny", tmp_path) == built  # reused, so a resumed run trains the same base
    assert (tmp_path / "base-model" / "model.safetensors").stat().st_mtime_ns == stamp

    converted = tmp_path / "converted"
    converted.mkdir()
    (converted / "config.json").write_text("{}")
    monkeypatch.setenv("GREETBENCH_EMBEDDED_MODEL_DIR", str(converted))
    assert resolve_model("embedded", tmp_path) == str(converted)
    assert resolve_model("Qwen/Qwen2.5-7B-Instruct", tmp_path) == "Qwen/Qwen2.5-7B-Instruct"


def test_tokenizer_pads_with_something_other_than_eos(tmp_path: Path, tiny_policy_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_policy_dir)
    tokenizer.pad_token = tokenizer.eos_token
    tokenizer.save_pretrained(tmp_path / "pad-is-eos")
    fixed = load_tokenizer(str(tmp_path / "pad-is-eos"))
    assert fixed.pad_token == "<|endoftext|>" != fixed.eos_token

    tokenizer.chat_template = None
    tokenizer.save_pretrained(tmp_path / "no-template")
    (tmp_path / "no-template" / "chat_template.jinja").unlink(missing_ok=True)
    with pytest.raises(ConfigError, match="no chat template"):
        load_tokenizer(str(tmp_path / "no-template"))
