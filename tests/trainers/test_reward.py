"""Reward-model training end to end on CPU, through `greetbench train rm`: 2 steps of a tiny model, a merged
one-label checkpoint the RM judge loads, exact pairwise figures on hand-made test pairs, the stored threshold,
judge_agreement; then a resumed run on data with a broken record, which is dropped and reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from mini_data import RM_TEST_PAIRS

from harness.judges.reward_model import RewardModel, read_threshold, reward_model_judge
from trainers.config import DATA_REPORT_FILENAME, load_config
from trainers.reward import REPORT_JSON, REPORT_MD, RewardConfig, train_reward_model
from trainers.rm_eval import ScoredPair, pairwise_report

CONFIG = """\
# a test run
model: tiny
output_dir: unused
lora_r: 4
lora_alpha: 8
dtype: float32
bf16: false
use_cpu: true
learning_rate: 1e-3
per_device_train_batch_size: 2
max_length: 256
logging_steps: 1
save_steps: 1
save_total_limit: null
eval_batch_size: 8
eval_device: cpu
agreement_limit: 6
"""


@pytest.fixture(scope="module")
def rm_run(tmp_path_factory: pytest.TempPathFactory, mini_data_dir: Path) -> tuple[Path, Path, Result]:
    """``greetbench train rm --config <file> --output-dir ... --max-steps 2 --data-dir ...``."""
    from greetbench.cli import cli

    folder = tmp_path_factory.mktemp("rm")
    config = folder / "rm.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    output = folder / "run"
    args = ["train", "rm", "--config", str(config), "--output-dir", str(output), "--max-steps", "2"]
    result = CliRunner().invoke(cli, [*args, "--data-dir", str(mini_data_dir)])
    return config, output, result


def _report(output: Path) -> dict:
    return json.loads((output / REPORT_JSON).read_text(encoding="utf-8"))


def test_cli_trains_and_reports(rm_run: tuple[Path, Path, Result]) -> None:
    _, output, result = rm_run
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert f"reward model  {output / 'model'}  (threshold " in result.output
    assert "chosen_not_longer      3 pairs" in result.output
    assert sorted(p.name for p in output.glob("checkpoint-*")) == ["checkpoint-1", "checkpoint-2"]
    report = _report(output)
    assert report["training"]["global_step"] == 2 and report["training"]["resumed_from"] is None
    assert (output / REPORT_MD).read_text(encoding="utf-8").startswith("# Reward model report")


def test_bad_pairs_are_counted_before_training(rm_run: tuple[Path, Path, Result]) -> None:
    data = json.loads((rm_run[1] / DATA_REPORT_FILENAME).read_text(encoding="utf-8"))
    train, test = data["rm_train"], data["rm_test"]
    assert (train["records"], train["kept"]) == (14, 12)
    assert train["dropped"] == {
        "missing_chosen_or_rejected": 0,
        "malformed": 0,
        "identical_chosen_rejected": 1,
        "over_length": 1,
    }
    assert (test["records"], test["kept"], test["dropped"]["identical_chosen_rejected"]) == (12, 11, 1)


def test_leaves_a_reward_model_the_judge_loads(rm_run: tuple[Path, Path, Result]) -> None:
    final = rm_run[1] / "model"
    assert not (final / "adapter_config.json").exists()
    from transformers import AutoConfig, AutoTokenizer

    config, tokenizer = AutoConfig.from_pretrained(final), AutoTokenizer.from_pretrained(final)
    assert config.architectures == ["Qwen2ForSequenceClassification"] and config.num_labels == 1
    assert config.pad_token_id == tokenizer.pad_token_id != tokenizer.eos_token_id and tokenizer.chat_template
    model = RewardModel.load(final, device="cpu")
    stored = read_threshold(final)
    assert stored is not None and stored.fit_on["side"] == "dev" and stored.n > 0
    assert model.threshold == stored.threshold == _report(rm_run[1])["threshold"]["threshold"]
    reward_model_judge(checkpoint=str(final))  # constructs: checkpoint and threshold are in place


def test_pairwise_figures_are_exact(rm_run: tuple[Path, Path, Result], mini_data_dir: Path) -> None:
    report = _report(rm_run[1])
    subsets = report["pairwise"]["subsets"]
    # 6 pairs with a clearly longer chosen, 2 with a clearly shorter one, 1 tie (9 chars each), 2 within 10%.
    assert {name: figures["pairs"] for name, figures in subsets.items()} == {
        "all": 11,
        "chosen_not_longer": 3,
        "similar_length": 3,
    }
    assert subsets["all"]["longer_accuracy"] == 8.5 / 11
    assert subsets["chosen_not_longer"]["longer_accuracy"] == 0.5 / 3
    assert subsets["similar_length"]["longer_accuracy"] == 2.5 / 3
    # The reward model's figures are the judge's own rewards on those pairs, nothing else.
    model = RewardModel.load(rm_run[1] / "model", device="cpu")
    chosen = model.rewards([(q, c) for q, c, _ in RM_TEST_PAIRS])
    rejected = model.rewards([(q, r) for q, _, r in RM_TEST_PAIRS])
    expected = pairwise_report(
        [ScoredPair(len(c), len(r), a, b) for (_, c, r), a, b in zip(RM_TEST_PAIRS, chosen, rejected, strict=True)]
    )
    assert report["pairwise"]["subsets"]["all"]["rm_accuracy"] == expected.subsets["all"].rm_accuracy
    assert report["statement"] == expected.verdict
    assert report["beats_longer_on_length_controlled"] == (not expected.learned_length)
    markdown = (rm_run[1] / REPORT_MD).read_text(encoding="utf-8")
    answer = "yes" if report["beats_longer_on_length_controlled"] else "no"
    assert f"Does the reward model beat pick-the-longer on the length-controlled subsets? {answer}." in markdown


def test_eval_set_figures_beside_the_length_rule(rm_run: tuple[Path, Path, Result]) -> None:
    eval_set = _report(rm_run[1])["eval_set"]
    assert eval_set["threshold"] == _report(rm_run[1])["threshold"]["threshold"]
    assert {"accuracy", "kappa", "auc"} <= set(eval_set["rm"]["figures"]) and eval_set["length_threshold"] > 0
    assert sum(group["rows"] for group in eval_set["memorisation"].values()) == eval_set["test_rows"] > 0
    assert "Memorisation: test rows grouped" in (rm_run[1] / REPORT_MD).read_text(encoding="utf-8")
    assert "eval dev rows" in rm_run[2].output  # the long steps show a progress bar (stderr)


def test_judge_agreement_log_beside_the_checkpoint(rm_run: tuple[Path, Path, Result]) -> None:
    from inspect_ai.log import read_eval_log

    agreement = _report(rm_run[1])["judge_agreement"]
    assert agreement["status"] == "success", agreement
    assert Path(agreement["log"]).parent == rm_run[1] / "logs"
    log = read_eval_log(agreement["log"])
    assert log.eval.task == "greetbench/judge_agreement" and len(log.samples) == 6
    assert "reward_model_judge" in agreement["scores"]


def test_rerun_resumes_and_survives_a_broken_record(rm_run: tuple[Path, Path, Result], bad_data_dir: Path) -> None:
    config_file, output, _ = rm_run
    config = load_config(RewardConfig, config_file, output_dir=str(output), max_steps=3, data_dir=str(bad_data_dir))
    messages: list[str] = []
    final = train_reward_model(config, log=messages.append)
    report = _report(output)
    assert report["training"]["resumed_from"] == str(output / "checkpoint-2")
    assert report["training"]["global_step"] == 3
    assert report["data"]["rm_train"]["dropped"]["missing_chosen_or_rejected"] == 1
    assert report["data"]["rm_train"]["dropped_examples"]["missing_chosen_or_rejected"] == [14]
    assert any(m.startswith("warning: 1 malformed record(s)") for m in messages)
    assert messages.index(next(m for m in messages if "kept 12" in m)) < messages.index(
        next(m for m in messages if m.startswith("training "))
    )  # reported before training starts
    assert read_threshold(final) is not None
    # The strict harness loaders behind judge_agreement refuse the broken file: reported, not raised.
    assert report["judge_agreement"]["status"] in {"error", "success"}


def test_forget_drops_cached_loads(tiny_reward_model_dir: Path) -> None:
    first = RewardModel.load(tiny_reward_model_dir, device="cpu")
    assert RewardModel.load(tiny_reward_model_dir, device="cpu") is first
    assert RewardModel.forget(tiny_reward_model_dir) == 1
    assert RewardModel.load(tiny_reward_model_dir, device="cpu") is not first
