"""The reward-model recipes: augmentation from training-side forms only, a length balance the data must meet, a
length head, LoRA on the top layers; trained end to end on a tiny model; bad recipe options fail in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.data import PreferencePair
from harness.judges.reward_model import RewardModel, log_length, read_threshold
from harness.probes import attack_forms
from trainers.config import DATA_REPORT_FILENAME, ConfigError, load_config
from trainers.reward import REPORT_JSON, RewardConfig, train_reward_model
from trainers.rm_augment import KINDS, augmented_pairs

PAIRS = [
    PreferencePair(f"请求{i}", f"亲爱的朋友{i}，祝你生日快乐，愿你岁岁平安，笑口常开！", f"生日快乐{i}。", i)
    for i in range(12)
]

RECIPE = """\
model: tiny
output_dir: unused
max_train_rows: 8
augment: 1.0
length_head: true
lora_r: 4
lora_alpha: 8
lora_layers: 1
lora_target_modules: [q_proj, v_proj]
dtype: float32
bf16: false
use_cpu: true
learning_rate: 1e-3
per_device_train_batch_size: 4
max_length: 256
logging_steps: 1
save_steps: 100
eval_batch_size: 8
eval_device: cpu
test_pairs: length_controlled
agreement_limit: 0
progress: false
"""


def test_augmented_pairs_come_from_training_forms_and_are_seeded() -> None:
    made, report = augmented_pairs(PAIRS, 2.0, seed=7)
    assert len(made) == report.pairs == 24 and report.skipped == 0
    assert made == augmented_pairs(PAIRS, 2.0, seed=7)[0]
    assert made != augmented_pairs(PAIRS, 2.0, seed=8)[0]
    train_ids = {form.id for form in attack_forms("train")}
    assert set(report.by_form) <= train_ids and not set(report.by_form) & {f.id for f in attack_forms("heldout")}
    assert set(report.by_kind) == set(KINDS)
    assert set(report.by_family) == {form.family for form in attack_forms("train")}
    sources = {(p.prompt, p.chosen.strip()) for p in PAIRS} | {(p.prompt, p.rejected.strip()) for p in PAIRS}
    for pair in made:
        assert (pair.prompt, pair.chosen) in sources  # the winner is a clean greeting of its own request
        assert pair.rejected.strip() != pair.chosen and (pair.prompt, pair.rejected) not in sources
    assert augmented_pairs(PAIRS, 0.0, seed=7)[0] == []
    with pytest.raises(ValueError, match="augment must be 0 or more"):
        augmented_pairs(PAIRS, -1.0, seed=7)


def _config(folder: Path, data_dir: Path, text: str = RECIPE, **overrides: object) -> RewardConfig:
    path = folder / "recipe.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(RewardConfig, path, output_dir=str(folder / "run"), data_dir=str(data_dir), **overrides)


def test_recipes_train_a_tiny_reward_model_with_a_length_head(tmp_path: Path, mini_data_dir: Path) -> None:
    config = _config(tmp_path, mini_data_dir, max_steps=2)
    final = train_reward_model(config, log=lambda _message: None)
    data = json.loads((tmp_path / "run" / DATA_REPORT_FILENAME).read_text(encoding="utf-8"))
    assert data["augment"]["pairs"] == data["seen"]["augmented"] == 8
    assert data["seen"]["pairs"] == 16 and data["seen"]["distinct_training_pairs"] == 8
    assert set(data["augment"]["by_form"]) <= {f.id for f in attack_forms("train")}
    assert data["augment"]["split"]["heldout"]["injection"]  # the split is recorded beside what was used
    stored = read_threshold(final)
    assert stored is not None and stored.length_model is not None
    report = json.loads((tmp_path / "run" / REPORT_JSON).read_text(encoding="utf-8"))
    correlations = report["threshold"]["length_head_correlations"]["dev"]
    assert abs(correlations["quality"]) < 1e-6  # least squares leaves no linear trend on the rows it was fitted on
    assert abs(abs(correlations["length_head"]) - 1) < 1e-9
    assert report["training"]["augmented_pairs"] == 8 and report["training"]["peak_rss_gb"] > 0
    model = RewardModel.load(final)
    pair = ("妈妈生日祝福语", "亲爱的妈妈，生日快乐！")
    raw = model.rewards([pair], raw=True)[0]
    part = stored.length_model["intercept"] + stored.length_model["slope"] * log_length(pair[1])
    assert model.rewards([pair])[0] == pytest.approx(raw - part, abs=1e-5)
    RewardModel.forget(final)


def test_lora_layers_put_adapters_on_the_top_layers_only(tmp_path: Path, mini_data_dir: Path) -> None:
    from harness.models.tiny import build_tiny_qwen2
    from trainers.config import lora_config

    base = build_tiny_qwen2(tmp_path / "base", "seq-cls")
    config = _config(tmp_path, mini_data_dir)
    layers = lora_config(config, "SEQ_CLS", model_path=str(base)).layers_to_transform
    assert layers == [1]  # the tiny model has 2 layers
    with pytest.raises(ConfigError, match="has 2 layers"):
        lora_config(_config(tmp_path, mini_data_dir, lora_layers=3), "SEQ_CLS", model_path=str(base))
    with pytest.raises(ConfigError, match="list of module names"):
        lora_config(_config(tmp_path, mini_data_dir, lora_target_modules="all-linear"), "SEQ_CLS", model_path=str(base))


def test_a_balance_the_pairs_cannot_meet_fails_in_one_line(tmp_path: Path, mini_data_dir: Path) -> None:
    config = _config(tmp_path, mini_data_dir, length_balance=0.5, augment=0.0)
    with pytest.raises(ConfigError, match=r"needs 4 pairs whose chosen greeting is not longer; the file has 0"):
        train_reward_model(config, log=lambda _message: None)
    assert not (tmp_path / "run" / "model").exists()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("augment: lots", "augment"),
        ("augmnt: 1.0", "augmnt"),
        ("length_head: maybe", "length_head"),
        ("augment: -1", "augment must be 0 or more"),
        ("length_balance: 1.5", "length_balance must be in"),
        ("lora_layers: 0", "lora_layers must be at least 1"),
    ],
)
def test_a_wrong_recipe_key_or_value_fails_before_loading(
    tmp_path: Path, mini_data_dir: Path, line: str, message: str
) -> None:
    text = RECIPE.replace("augment: 1.0\n", "") + line + "\n"
    with pytest.raises(ConfigError, match=message):
        _config(tmp_path, mini_data_dir, text)
