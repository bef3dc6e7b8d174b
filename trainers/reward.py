"""Reward-model training on the paper's preference pairs with TRL's RewardTrainer, then its evaluation.

Each pair becomes a conversational preference row with an explicit prompt, built with
:func:`harness.judges.reward_model.reward_conversation` (user turn: the bare query; assistant turn: the greeting),
so TRL tokenizes exactly the conversation the reward-model judge later scores. The model is a one-label sequence
classifier (``num_labels=1``) whose pad token is not its eos token (it pools at the last non-pad token).

LoRA on every linear layer by default, with the ``score`` head trained in full; at the end the adapters are merged
and ``<output_dir>/model`` holds a plain sequence-classification checkpoint with its tokenizer (chat template,
pad != eos) that :class:`harness.judges.RewardModel` and ``reward_model_judge`` load.

Then, on that checkpoint:

1. pairwise figures on the RM test pairs (:mod:`trainers.rm_eval`): accuracy, accuracy on the length-controlled
   subsets, the pick-the-longer baseline beside each, and the verdict whether the model learned only length;
2. the good/bad threshold the judge uses, fitted on the eval set's dev split and stored beside the weights
   (:func:`harness.judges.fit_and_save_threshold`);
3. the ``judge_agreement`` task with ``judges="rm"`` on the eval set's test split;
4. ``<output_dir>/rm_report.json`` and ``rm_report.md`` with all of it.

A rerun on the same output folder resumes from its last ``checkpoint-*``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.data import DataFiles, PreferencePair
from harness.judges.reward_model import reward_conversation
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
from trainers.data import InputReport, drop_over_length, read_preference_pairs, subsample, warn_strict_loaders
from trainers.rm_eval import SIMILAR_LENGTH_RATIO, PairwiseReport, ScoredPair, pairwise_report

REPORT_JSON = "rm_report.json"
REPORT_MD = "rm_report.md"

NO_MODEL = "none/none"
"""Inspect's model that never generates: judge_agreement scores the eval set's own responses."""

REWARD_HEAD = "score"
"""The sequence-classification head of Qwen2 (and most decoder) models: trained in full beside the adapters."""


@dataclass
class RewardConfig(TrainConfig):
    """A reward-model run. Shared fields: :class:`trainers.config.TrainConfig`.

    Attributes:
        center_rewards_coefficient: TRL's incentive for mean-zero rewards (None: off).
        max_test_pairs: Score a seeded random subset of this many RM test pairs; None: all.
        similar_length_ratio: "Lengths differ little": at most this share of the longer greeting.
        eval_batch_size: Pairs per forward pass when scoring test pairs and fitting the threshold.
        agreement_limit: Rows of the judge_agreement eval (test split); None: all; 0 skips it.
    """

    center_rewards_coefficient: float | None = None
    max_test_pairs: int | None = None
    similar_length_ratio: float = SIMILAR_LENGTH_RATIO
    eval_batch_size: int = 16
    agreement_limit: int | None = None

    def __post_init__(self) -> None:
        """Check values that no type can express."""
        super().__post_init__()
        if not 0.0 <= self.similar_length_ratio <= 1.0:
            raise ConfigError(f"similar_length_ratio must be in [0, 1], got {self.similar_length_ratio}")
        if self.max_test_pairs is not None and self.max_test_pairs < 1:
            raise ConfigError(f"max_test_pairs must be at least 1 (or null for all), got {self.max_test_pairs}")
        if self.eval_batch_size < 1:
            raise ConfigError(f"eval_batch_size must be at least 1, got {self.eval_batch_size}")
        if self.agreement_limit is not None and self.agreement_limit < 0:
            raise ConfigError(f"agreement_limit must be 0 (skip) or more, got {self.agreement_limit}")


def preference_row(pair: PreferencePair) -> dict[str, list[dict[str, str]]]:
    """One conversational preference row with an explicit prompt, built from :func:`reward_conversation`."""
    chosen = reward_conversation(pair.prompt, pair.chosen)
    rejected = reward_conversation(pair.prompt, pair.rejected)
    return {"prompt": chosen[:1], "chosen": chosen[1:], "rejected": rejected[1:]}


def read_pairs(
    path: Path, tokenizer: Any, max_length: int, max_rows: int | None, seed: int
) -> tuple[list[PreferencePair], InputReport]:
    """Read pairs leniently, drop over-length ones (longer side, as the judge tokenizes it), then subsample."""
    pairs, report = read_preference_pairs(path)
    chosen = chat_lengths(tokenizer, [reward_conversation(p.prompt, p.chosen) for p in pairs])
    rejected = chat_lengths(tokenizer, [reward_conversation(p.prompt, p.rejected) for p in pairs])
    pairs = drop_over_length(pairs, report, max_length, [max(a, b) for a, b in zip(chosen, rejected, strict=True)])
    return subsample(pairs, report, max_rows, seed), report


def train_reward_model(config: RewardConfig, log: Callable[[str], None] | None = None) -> Path:
    """Train, save the merged reward model, evaluate it and write its report; resume if interrupted before.

    Writes into ``config.output_dir``: ``checkpoint-*``, ``data_report.json``, ``model/`` (the merged checkpoint
    with its threshold file), ``logs/`` (the judge_agreement log), ``rm_report.json`` and
    ``rm_report.md``.

    Args:
        config: The run.
        log: Progress printer; default ``[greetbench] train rm: ...`` lines on stderr.

    Returns:
        The final model folder (``<output_dir>/model``).

    Raises:
        ConfigError: No data folder, a tokenizer without chat template or usable pad token, or no pair left.
        DataError: An RM file or the eval set is missing or not JSON.
    """
    log = log or say("train rm")
    started = time.monotonic()
    config = dataclasses.replace(config, output_dir=str(config.output_path.resolve()))  # logs name absolute paths
    output = config.output_path
    output.mkdir(parents=True, exist_ok=True)
    root = require_data_dir(config.data_dir)
    files = DataFiles(root)
    model_path = resolve_model(config.model, output, "causal-lm")
    tokenizer = load_tokenizer(model_path)

    train_pairs, train_report = read_pairs(
        files.rm_train, tokenizer, config.max_length, config.max_train_rows, config.seed
    )
    test_pairs, test_report = read_pairs(
        files.rm_test, tokenizer, config.max_length, config.max_test_pairs, config.seed
    )
    write_json(output / DATA_REPORT_FILENAME, {"rm_train": train_report.to_dict(), "rm_test": test_report.to_dict()})
    log(train_report.summary())
    log(test_report.summary())
    log(f"rule: {train_report.rule}")
    for data_report in (train_report, test_report):
        warn_strict_loaders(data_report, log)
    if not train_pairs:
        raise ConfigError(f"no preference pairs left to train on in {files.rm_train} (see {DATA_REPORT_FILENAME})")

    resume = last_checkpoint(output)
    trainer = _trainer(config, model_path, tokenizer, [preference_row(pair) for pair in train_pairs])
    log(
        f"training {config.model} ({config.finetune}) on {len(train_pairs)} pairs"
        + (f", resuming {resume}" if resume else "")
    )
    if len(trainer.train_dataset) != len(train_pairs):  # our rule already applied TRL's; say so if TRL disagrees
        log(f"warning: TRL kept {len(trainer.train_dataset)} of the {len(train_pairs)} pairs it was given")
    result = trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    final = save_final(trainer.model, tokenizer, config.final_dir)
    log(f"reward model saved to {final} (step {trainer.state.global_step}, train loss {result.training_loss:.4f})")
    training = {
        "base_model": model_path,
        "resumed_from": str(resume) if resume else None,
        "global_step": trainer.state.global_step,
        "train_loss": result.training_loss,
        "train_pairs": len(train_pairs),
        "train_seconds": round(time.monotonic() - started, 1),
    }
    del trainer

    report, pairwise = evaluate_reward_model(config, final, root, test_pairs, log)
    report["training"] = training
    report["data"] = {"rm_train": train_report.to_dict(), "rm_test": test_report.to_dict()}
    report["config"] = config_to_dict(config)
    write_json(output / REPORT_JSON, report)
    (output / REPORT_MD).write_text(report_markdown(report, pairwise), encoding="utf-8")
    log(f"report: {output / REPORT_MD}")
    return final


def _trainer(config: RewardConfig, model_path: str, tokenizer: Any, rows: list[dict]) -> Any:
    from datasets import Dataset
    from trl import RewardConfig as TrlRewardConfig
    from trl import RewardTrainer

    args = TrlRewardConfig(**training_arguments(config), center_rewards_coefficient=config.center_rewards_coefficient)
    return RewardTrainer(
        model=model_path,
        args=args,
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
        peft_config=lora_config(config, "SEQ_CLS", modules_to_save=[REWARD_HEAD]),
    )


def evaluate_reward_model(
    config: RewardConfig,
    checkpoint: Path,
    data_dir: Path,
    test_pairs: list[PreferencePair],
    log: Callable[[str], None],
) -> tuple[dict[str, Any], PairwiseReport]:
    """Pairwise figures on the test pairs, the stored threshold, and the judge_agreement eval.

    Returns:
        The report's evaluation part (JSON-ready) and the pairwise figures.
    """
    from harness.data import load_eval_set, split_eval_set
    from harness.judges.reward_model import RewardModel, fit_and_save_threshold

    RewardModel.forget(checkpoint)  # a rerun overwrote the folder: never score with an earlier load
    model = RewardModel.load(checkpoint, device=config.eval_device)
    chosen = model.rewards([(p.prompt, p.chosen) for p in test_pairs], config.eval_batch_size)
    rejected = model.rewards([(p.prompt, p.rejected) for p in test_pairs], config.eval_batch_size)
    scored = [ScoredPair.from_pair(p, c, r) for p, c, r in zip(test_pairs, chosen, rejected, strict=True)]
    pairwise = pairwise_report(scored, config.similar_length_ratio)
    for line in pairwise.to_markdown().splitlines():
        if line.strip():
            log(line)

    try:
        split = split_eval_set(load_eval_set(DataFiles(data_dir).eval_set))
        stored = fit_and_save_threshold(checkpoint, split, batch_size=config.eval_batch_size, device=config.eval_device)
    except Exception as err:  # the model is saved: a failed step is reported, never loses the training
        log(f"threshold fitting failed: {type(err).__name__}: {err}")
        threshold: dict[str, Any] = {"error": f"{type(err).__name__}: {err}"}
    else:
        log(f"threshold {stored.threshold:.6g} (dev accuracy {stored.dev_accuracy:.4f} on {stored.n} dev rows) stored")
        threshold = dataclasses.asdict(stored)

    evaluation = {
        "checkpoint": str(checkpoint),
        "pairwise": pairwise.to_dict(),
        "beats_longer_on_length_controlled": None if pairwise.learned_length is None else not pairwise.learned_length,
        "statement": pairwise.verdict,
        "threshold": threshold,
        "judge_agreement": run_judge_agreement(config, checkpoint, data_dir, log),
    }
    return evaluation, pairwise


def run_judge_agreement(config: RewardConfig, checkpoint: Path, data_dir: Path, log: Callable[[str], None]) -> dict:
    """Run ``greetbench/judge_agreement`` with the RM judge on the eval test split.

    Returns:
        ``{"status": ...}`` plus the log path and figures; ``status`` is ``skipped`` (with the reason) when
        ``agreement_limit`` is 0, and ``error`` (with the message) when the eval raised.
    """
    if config.agreement_limit == 0:
        return {"status": "skipped", "reason": "agreement_limit is 0"}
    from inspect_ai import eval as inspect_eval

    from harness.results import scorer_summaries
    from tasks.judge_agreement import judge_agreement

    try:
        task = judge_agreement(judges="rm", rm_checkpoint=str(checkpoint), split="test", data_dir=str(data_dir))
        [result] = inspect_eval(
            task,
            model=NO_MODEL,
            limit=config.agreement_limit,
            log_dir=str(config.logs_dir),
            display="none",
        )
    except Exception as err:  # the model is saved: a failed step is reported, never loses the training
        log(f"judge_agreement failed: {type(err).__name__}: {err}")
        return {"status": "error", "error": f"{type(err).__name__}: {err}", "log": None, "scores": {}}
    scores = {s.scorer: s.metrics for s in scorer_summaries(result)}
    log(f"judge_agreement {result.status}: log {result.location}")
    return {
        "status": result.status,
        "error": result.error.message if result.error else None,
        "log": result.location,
        "scores": scores,
    }


def report_markdown(report: dict[str, Any], pairwise: PairwiseReport) -> str:
    """The human-readable report: training, data drops, pairwise figures and verdict, threshold, agreement."""
    training, threshold = report["training"], report["threshold"]
    beats = report["beats_longer_on_length_controlled"]
    answer = {True: "yes", False: "no", None: "cannot tell (a length-controlled subset is empty)"}[beats]
    lines = [
        "# Reward model report",
        "",
        f"Checkpoint: `{report['checkpoint']}` (base `{training['base_model']}`, step {training['global_step']}, "
        f"train loss {training['train_loss']:.4f}, {training['train_pairs']} training pairs"
        + (f", resumed from `{training['resumed_from']}`" if training["resumed_from"] else "")
        + ").",
        "",
        "## Input",
        "",
    ]
    for name, data in report["data"].items():
        drops = ", ".join(f"{reason} {count}" for reason, count in data["dropped"].items())
        subset = f", a random subset of {data['subsampled_from']}" if data["subsampled_from"] is not None else ""
        lines.append(f"- {name}: {data['records']} records, {data['kept']} used{subset}; dropped: {drops}.")
    lines += [
        f"- Rule: {next(iter(report['data'].values()))['rule']}.",
        "",
        "## Pairwise accuracy on the RM test pairs",
        "",
        f"**Does the reward model beat pick-the-longer on the length-controlled subsets? {answer}.**",
        "",
        pairwise.to_markdown(),
        "## Threshold",
        "",
        (
            f"{threshold['threshold']:.6g}, fitted on {threshold['n']} dev rows of the eval set (accuracy "
            f"{threshold['dev_accuracy']:.4f}), stored in `greetbench_threshold.json` beside the weights."
            if "error" not in threshold
            else f"Not fitted: {threshold['error']}. The rm judge needs a threshold: fix the eval set and run "
            "`greetbench fit-rm-threshold <checkpoint>`."
        ),
        "",
        "## Judge agreement",
        "",
    ]
    agreement = report["judge_agreement"]
    if agreement["status"] == "skipped":
        lines.append(f"Skipped: {agreement['reason']}.")
    else:
        lines.append(f"Status {agreement['status']}, log `{agreement.get('log')}`.")
        for scorer, metrics in (agreement.get("scores") or {}).items():
            lines.append(f"- {scorer}: " + ", ".join(f"{k} {v:.4g}" for k, v in metrics.items()))
        if agreement.get("error"):
            lines.append(f"Error: {agreement['error']}")
    return "\n".join(lines) + "\n"
