"""SFT end to end on CPU: 2 steps of a tiny policy, a merged checkpoint Inspect's hf provider loads, its
greeting_generation log, and a resumed run that continues from the last checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from inspect_ai.log import read_eval_log

from trainers.config import DATA_REPORT_FILENAME
from trainers.sft import SUMMARY_FILENAME, SftConfig, train_sft


@pytest.fixture(scope="module")
def sft_run(tmp_path_factory: pytest.TempPathFactory, tiny_policy_dir: Path, mini_data_dir: Path) -> SftConfig:
    """Two steps on the tiny policy (a local path), checkpointing every step, then a 2-request eval."""
    config = SftConfig(
        model=str(tiny_policy_dir),
        output_dir=str(tmp_path_factory.mktemp("sft") / "run"),
        data_dir=str(mini_data_dir),
        lora_r=4,
        lora_alpha=8,
        dtype="float32",
        bf16=False,
        use_cpu=True,
        learning_rate=1e-3,
        max_steps=2,
        per_device_train_batch_size=2,
        max_length=256,
        logging_steps=1,
        save_steps=1,
        save_total_limit=None,
        eval_limit=2,
        eval_prompts="bundled",
        eval_judges="length",
        eval_max_tokens=8,
        eval_device="cpu",
    )
    train_sft(config, log=lambda message: None)
    return config


def _summary(config: SftConfig) -> dict:
    return json.loads((config.output_path / SUMMARY_FILENAME).read_text(encoding="utf-8"))


def test_reports_the_dropped_rows_before_training(sft_run: SftConfig) -> None:
    report = json.loads((sft_run.output_path / DATA_REPORT_FILENAME).read_text(encoding="utf-8"))["sft"]
    assert (report["records"], report["kept"], report["max_length"]) == (13, 12, 256)
    assert report["dropped"] == {"malformed": 0, "over_length": 1}
    assert report["dropped_examples"] == {"over_length": [12]}


def test_leaves_a_merged_policy_the_harness_loads(sft_run: SftConfig) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    final = sft_run.final_dir
    assert sorted(p.name for p in sft_run.output_path.glob("checkpoint-*")) == ["checkpoint-1", "checkpoint-2"]
    assert not (final / "adapter_config.json").exists()  # merged: a plain checkpoint, no adapter
    model = AutoModelForCausalLM.from_pretrained(final)
    tokenizer = AutoTokenizer.from_pretrained(final)
    assert tokenizer.chat_template and tokenizer.pad_token_id != tokenizer.eos_token_id
    assert model.config.pad_token_id == tokenizer.pad_token_id and model.config.use_cache is True

    summary = _summary(sft_run)
    assert (summary["global_step"], summary["resumed_from"]) == (2, None)
    evaluation = summary["evaluation"]
    assert evaluation["status"] == "success" and evaluation["model"] == f"hf/{sft_run.output_path.name}"
    log = read_eval_log(evaluation["log"])
    assert Path(evaluation["log"]).parent == sft_run.logs_dir
    assert log.status == "success" and log.eval.task == "greetbench/greeting_generation"
    assert log.eval.model == evaluation["model"] and log.eval.model_args["model_path"] == str(final)
    assert len(log.samples) == 2
    assert {s.name for s in log.results.scores} >= {"length_judge", "creativity"}


def test_rerun_resumes_from_the_last_checkpoint(sft_run: SftConfig) -> None:
    first = json.loads((sft_run.output_path / "checkpoint-2" / "trainer_state.json").read_text())
    sft_run.max_steps = 3
    sft_run.eval_limit = 0
    train_sft(sft_run, log=lambda message: None)
    summary = _summary(sft_run)
    assert summary["resumed_from"] == str(sft_run.output_path / "checkpoint-2")
    assert summary["global_step"] == 3 and summary["evaluation"] is None
    state = json.loads((sft_run.output_path / "checkpoint-3" / "trainer_state.json").read_text())
    assert state["global_step"] == 3
    losses = [entry for entry in state["log_history"] if "loss" in entry]
    assert [entry["step"] for entry in losses] == [1, 2, 3]
    assert losses[:2] == [entry for entry in first["log_history"] if "loss" in entry]  # steps 1-2 not retrained
