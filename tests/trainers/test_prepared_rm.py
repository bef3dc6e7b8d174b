"""The prepared reward-model judge: trained once from a preset, cached with its threshold and a marker written
last, reused afterwards, rebuilt when the recipe changes; the cheap closing evaluation it relies on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.judges.reward_model import THRESHOLD_FILENAME, read_threshold
from trainers import prepared_rm
from trainers.config import load_config
from trainers.prepared_rm import (
    MARKER_FILENAME,
    ensure_prepared_rm,
    is_prepared,
    prepared_rm_checkpoint,
    prepared_rm_dir,
    read_marker,
    recipe_digest,
)
from trainers.reward import RewardConfig

TINY_PRESET = """\
# tiny prepared judge for tests
model: tiny
output_dir: unused
max_train_rows: 6
augment: 1.0
lora_r: 4
lora_alpha: 8
dtype: float32
bf16: false
use_cpu: true
learning_rate: 1e-3
max_steps: 2
per_device_train_batch_size: 2
max_length: 256
logging_steps: 1
save_steps: 1000
save_total_limit: 1
test_pairs: length_controlled
eval_test_split: true
eval_batch_size: 4
eval_device: cpu
agreement_limit: 0
"""


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, mini_data_dir: Path) -> tuple[Path, Path]:
    """A tiny preset prepared into a temporary cache folder: (preset file, prepared folder)."""
    folder = tmp_path_factory.mktemp("prepared")
    preset = folder / "tiny-prepared.yaml"
    preset.write_text(TINY_PRESET, encoding="utf-8")
    target = ensure_prepared_rm(progress=False, data_dir=mini_data_dir, preset=str(preset), target=folder / "rm")
    return preset, target


def test_lookup_is_cheap_and_names_the_judge_threshold_file() -> None:
    import subprocess
    import sys

    from harness.judges import reward_model

    assert prepared_rm.THRESHOLD_FILENAME == reward_model.THRESHOLD_FILENAME
    code = (
        "import sys, trainers.prepared_rm as p; p.prepared_rm_checkpoint(); "
        "print(sorted({'torch', 'inspect_ai', 'trl'} & set(sys.modules)))"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


def test_bundled_preset_is_a_valid_hardened_recipe() -> None:
    config = load_config(RewardConfig, prepared_rm.PRESET)
    assert config.model == "embedded" and config.dtype == "bfloat16" and config.bf16 and config.use_cpu
    assert config.augment > 0 and config.lora_layers and config.max_train_rows and config.seed == 42
    assert config.agreement_limit == 0 and config.test_pairs == "length_controlled"
    assert len(recipe_digest()) == 64


def test_prepare_leaves_a_checkpoint_threshold_and_marker(prepared: tuple[Path, Path]) -> None:
    preset, target = prepared
    assert is_prepared(target, str(preset))
    assert (target / "config.json").is_file() and (target / THRESHOLD_FILENAME).is_file()
    marker = read_marker(target)
    assert marker is not None and marker["recipe_sha256"] == recipe_digest(str(preset))
    stored = read_threshold(target)
    assert stored is not None and marker["threshold"] == stored.threshold and stored.fit_on["side"] == "dev"
    report = json.loads((target / "rm_report.json").read_text(encoding="utf-8"))
    assert report["config"]["seed"] == 42 and report["augment"]["pairs"] == report["training"]["augmented_pairs"] == 6
    assert marker["config"]["output_dir"] == str(target)  # not the deleted work folder
    # only length-controlled test pairs were scored; the test split and its memorisation split were reported
    assert report["pairwise"]["subsets"]["all"]["pairs"] == report["data"]["rm_test"]["kept"] == 5
    groups = report["eval_set"]["memorisation"]
    assert sum(g["rows"] for g in groups.values()) == report["eval_set"]["test_rows"] > 0
    assert not list(target.parent.glob(".prepare-rm-*"))  # the work folder is gone


def test_a_prepared_judge_is_reused(prepared: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    preset, target = prepared

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("a prepared judge must not be retrained")

    monkeypatch.setattr("trainers.reward.train_reward_model", no_training)
    assert ensure_prepared_rm(progress=False, preset=str(preset), target=target) == target


def test_a_changed_recipe_or_missing_marker_is_not_prepared(prepared: tuple[Path, Path], tmp_path: Path) -> None:
    preset, target = prepared
    changed = tmp_path / "changed.yaml"
    changed.write_text(TINY_PRESET.replace("max_steps: 2", "max_steps: 3"), encoding="utf-8")
    assert not is_prepared(target, str(changed))
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("config.json", THRESHOLD_FILENAME):
        (copy / name).write_bytes((target / name).read_bytes())
    assert not is_prepared(copy, str(preset))  # no marker: an interrupted prepare
    (copy / MARKER_FILENAME).write_text("{not json", encoding="utf-8")
    assert not is_prepared(copy, str(preset))


def test_checkpoint_lookup_is_none_until_prepared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREETBENCH_CACHE_DIR", str(tmp_path))
    assert prepared_rm_dir() == tmp_path / "models" / prepared_rm.PREPARED_DIRNAME
    assert prepared_rm_checkpoint() is None
    folder = prepared_rm_dir()
    folder.mkdir()
    (folder / "config.json").write_text("{}", encoding="utf-8")
    (folder / THRESHOLD_FILENAME).write_text('{"threshold": 0.5}', encoding="utf-8")
    (folder / MARKER_FILENAME).write_text(json.dumps({"recipe_sha256": recipe_digest()}), encoding="utf-8")
    assert prepared_rm_checkpoint() == folder


def test_cli_prepare_rm_reuses_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from greetbench.cli import cli

    calls: list[dict] = []

    def fake_ensure(progress: bool = True, **kwargs: object) -> Path:
        calls.append(kwargs)
        return tmp_path

    monkeypatch.setattr(prepared_rm, "ensure_prepared_rm", fake_ensure)
    result = CliRunner().invoke(cli, ["train", "prepare-rm", "--force"])
    assert result.exit_code == 0, result.output
    assert str(tmp_path) in result.output and calls == [{"data_dir": None, "force": True}]
