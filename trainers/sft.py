"""Supervised fine-tuning of a greeting policy on the paper's SFT pairs, with TRL's SFTTrainer, then its evaluation.

Each SFT row becomes a conversational prompt-completion pair: the user turn is the paper's policy prompt
(``请只生成一条祝福语：`` + instruction, :func:`harness.data.policy_prompt`) so that training asks exactly what
``greeting_generation`` asks, or the bare instruction with ``prompt_format: bare``; the assistant turn is the
greeting. TRL renders both through the model's chat template and computes the loss on the completion only.

LoRA on every linear layer by default (``finetune: full`` trains every weight). At the end the adapters are merged
into the base and the result is saved as one plain checkpoint in ``<output_dir>/model`` with its tokenizer, which
Inspect's ``hf`` provider loads (``hf/<path>`` with ``model_path``). Then ``greeting_generation`` runs on it with the
configured judges, writing its Inspect log to ``<output_dir>/logs``.

A rerun on the same output folder resumes from its last ``checkpoint-*``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from harness.data import DataFiles, SftExample, policy_prompt
from trainers.closing_eval import evaluate_policy
from trainers.config import (
    DATA_REPORT_FILENAME,
    ConfigError,
    TrainConfig,
    chat_lengths,
    config_to_dict,
    last_checkpoint,
    load_tokenizer,
    lora_config,
    require_data_dir,
    resolve_model,
    save_final,
    say,
    training_arguments,
    write_json,
)
from trainers.data import drop_over_length, read_sft_examples, subsample, warn_strict_loaders

SUMMARY_FILENAME = "sft_summary.json"
"""What a run did, in ``<output_dir>``: config, data report, resume point, steps, final model, eval log and figures."""

PromptFormat = Literal["policy", "bare"]


@dataclass
class SftConfig(TrainConfig):
    """An SFT run. Shared fields: :class:`trainers.config.TrainConfig`.

    Attributes:
        prompt_format: ``policy`` (the user turn is ``请只生成一条祝福语：`` + instruction, as greeting_generation
            and GRPO ask) or ``bare`` (the instruction alone, as the paper's SFT file holds it).
        eval_limit: Requests the closing greeting_generation eval runs; 0 skips it.
        eval_prompts: Its prompt set: ``auto`` (GRPO test split when data is present), ``bundled``, ``grpo-test``.
        eval_judges: Its judges, comma-separated (``principle``, ``debate``, ``rm``, ``length``, ``constant``,
            ``panel``).
        eval_judge_model: The judge model for LLM judges (``embedded`` or any Inspect model name).
        eval_rm_checkpoint: Reward-model checkpoint for an ``rm`` judge.
        eval_max_tokens: Generation limit per greeting; None keeps the task's (256).
        principles: Principles of the principle judge (bundled name or YAML path); None: the default.
    """

    prompt_format: PromptFormat = "policy"
    eval_limit: int = 20
    eval_prompts: Literal["auto", "bundled", "grpo-test"] = "auto"
    eval_judges: str = "principle"
    eval_judge_model: str = "embedded"
    eval_rm_checkpoint: str | None = None
    eval_max_tokens: int | None = None
    principles: str | None = None

    def __post_init__(self) -> None:
        """Check values that no type can express."""
        super().__post_init__()
        if self.eval_limit < 0:
            raise ConfigError(f"eval_limit must be 0 (skip) or more, got {self.eval_limit}")


def sft_row(example: SftExample, prompt_format: PromptFormat) -> dict[str, list[dict[str, str]]]:
    """One conversational prompt-completion row for TRL."""
    prompt = policy_prompt(example.instruction) if prompt_format == "policy" else example.instruction
    return {
        "prompt": [{"role": "user", "content": prompt}],
        "completion": [{"role": "assistant", "content": example.output}],
    }


def train_sft(config: SftConfig, log: Callable[[str], None] | None = None) -> Path:
    """Fine-tune, save the merged policy, evaluate it with greeting_generation; resume if interrupted before.

    Writes into ``config.output_dir``: ``checkpoint-*`` (Trainer), ``data_report.json`` (rows kept and dropped),
    ``model/`` (the merged policy and tokenizer), ``logs/`` (the Inspect log) and ``sft_summary.json``.

    Args:
        config: The run.
        log: Progress printer; default ``[greetbench] train sft: ...`` lines on stderr.

    Returns:
        The final model folder (``<output_dir>/model``).

    Raises:
        ConfigError: No data folder, a tokenizer without chat template or usable pad token, or no row left.
        DataError: The SFT file is missing or not JSON.
    """
    log = log or say("train sft")
    started = time.monotonic()
    config = dataclasses.replace(config, output_dir=str(config.output_path.resolve()))  # logs name absolute paths
    output = config.output_path
    output.mkdir(parents=True, exist_ok=True)
    root = require_data_dir(config.data_dir)
    model_path = resolve_model(config.model, output, "causal-lm")
    tokenizer = load_tokenizer(model_path)

    examples, report = read_sft_examples(DataFiles(root).sft)
    rows = [sft_row(example, config.prompt_format) for example in examples]
    lengths = chat_lengths(tokenizer, [row["prompt"] + row["completion"] for row in rows])
    examples = drop_over_length(examples, report, config.max_length, lengths)
    examples = subsample(examples, report, config.max_train_rows, config.seed)
    write_json(output / DATA_REPORT_FILENAME, {"sft": report.to_dict()})
    log(report.summary())
    log(f"rule: {report.rule}")
    warn_strict_loaders(report, log)
    if not examples:
        raise ConfigError(f"no SFT rows left to train on in {report.source} (see {output / DATA_REPORT_FILENAME})")

    resume = last_checkpoint(output)
    trainer = _trainer(config, model_path, tokenizer, [sft_row(e, config.prompt_format) for e in examples])
    log(
        f"training {config.model} ({config.finetune}) on {len(examples)} rows"
        + (f", resuming {resume}" if resume else "")
    )
    if len(trainer.train_dataset) != len(examples):  # our rule already applied TRL's; say so if TRL disagrees
        log(f"warning: TRL kept {len(trainer.train_dataset)} of the {len(examples)} rows it was given")
    result = trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    final = save_final(trainer.model, tokenizer, config.final_dir)
    log(f"policy saved to {final} (step {trainer.state.global_step}, train loss {result.training_loss:.4f})")
    trained_s = time.monotonic() - started

    evaluation = None
    if config.eval_limit:
        try:
            evaluation = evaluate_policy(config, final, root, log, logs_dir=config.logs_dir, seed=config.seed)
        except Exception as err:  # the policy is saved: a failed evaluation is reported, never loses the training
            log(f"evaluation failed: {type(err).__name__}: {err}")
            evaluation = {"status": "error", "error": f"{type(err).__name__}: {err}", "log": None, "scores": {}}
    write_json(
        output / SUMMARY_FILENAME,
        {
            "config": config_to_dict(config),
            "base_model": model_path,
            "data": report.to_dict(),
            "resumed_from": str(resume) if resume else None,
            "global_step": trainer.state.global_step,
            "train_loss": result.training_loss,
            "final_model": str(final),
            "train_seconds": round(trained_s, 1),
            "evaluation": evaluation,
        },
    )
    return final


def _trainer(config: SftConfig, model_path: str, tokenizer: Any, rows: list[dict]) -> Any:
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    args = SFTConfig(**training_arguments(config), completion_only_loss=True)
    return SFTTrainer(
        model=model_path,
        args=args,
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
        peft_config=lora_config(config, "CAUSAL_LM", model_path=model_path),
    )
