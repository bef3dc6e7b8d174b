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
from typing import Any, Literal

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
from trainers.data import (
    InputReport,
    chosen_not_longer,
    drop_over_length,
    length_balanced_subsample,
    read_preference_pairs,
    subsample,
    warn_strict_loaders,
)
from trainers.rm_agreement import EvalSetReport, eval_set_report
from trainers.rm_augment import augmented_pairs
from trainers.rm_eval import SIMILAR_LENGTH_RATIO, PairwiseReport, ScoredPair, pairwise_report
from trainers.rm_scoring import release_memory, score_with_progress

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
        pairs_file: Train on this preference-pair file (the RM format; ``greetbench make-preferences`` writes one)
            instead of the paper's RM-train pairs; the same rules, subset and balance apply. The closing evaluation
            still uses the paper's RM test pairs and eval set. None: the paper's RM-train pairs.
        center_rewards_coefficient: TRL's incentive for mean-zero rewards (None: off).
        length_balance: Share of the training pairs whose chosen greeting is not longer than the rejected one
            (the pairs pick-the-longer gets wrong); None: a plain random subset (about 4% such pairs). Needs
            ``max_train_rows``; the subset is seeded like the plain one. A share the file cannot meet (too few
            such pairs) is an error that gives the count; the report says how many distinct pairs it drew.
        augment: Augmented pairs per training pair (:mod:`trainers.rm_augment`): a greeting beats itself made
            worse by a training-side attack form (repeated, padded, inflated, meta-text, echoed, injected). 0: off.
        length_head: Fit a length head on the eval set's dev rows (the raw reward's regression on log length,
            after ODIN, arXiv 2402.07319) and make the judge's score the length-free remainder; the cut is fitted
            on that score. The report gives each part's correlation with length.
        max_test_pairs: Score a seeded random subset of this many RM test pairs; None: all.
        test_pairs: ``all`` RM test pairs, or only the ``length_controlled`` ones (chosen not longer, or lengths
            within ``similar_length_ratio``): the pairs that say whether the model learned more than length, at a
            fraction of the cost.
        similar_length_ratio: "Lengths differ little": at most this share of the longer greeting.
        eval_batch_size: Pairs per forward pass when scoring test pairs and fitting the threshold.
        eval_test_split: Score the eval set's test split too and report it beside the length rule with the
            memorisation split (the dev split is always scored: the threshold is fitted there).
        agreement_limit: Rows of the judge_agreement eval (test split); None: all; 0 skips it.
        progress: Progress bars (stderr) on the long steps of the closing evaluation.
    """

    pairs_file: str | None = None
    center_rewards_coefficient: float | None = None
    length_balance: float | None = None
    augment: float = 0.0
    length_head: bool = False
    max_test_pairs: int | None = None
    test_pairs: Literal["all", "length_controlled"] = "all"
    similar_length_ratio: float = SIMILAR_LENGTH_RATIO
    eval_batch_size: int = 16
    eval_test_split: bool = True
    agreement_limit: int | None = None
    progress: bool = True

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
        if self.augment < 0:
            raise ConfigError(f"augment must be 0 or more (augmented pairs per training pair), got {self.augment}")
        if self.length_balance is not None:
            if not 0.0 <= self.length_balance <= 1.0:
                raise ConfigError(f"length_balance must be in [0, 1], got {self.length_balance}")
            if self.max_train_rows is None:
                raise ConfigError("length_balance needs max_train_rows (the size of the balanced subset)")


def preference_row(pair: PreferencePair) -> dict[str, list[dict[str, str]]]:
    """One conversational preference row with an explicit prompt, built from :func:`reward_conversation`."""
    chosen = reward_conversation(pair.prompt, pair.chosen)
    rejected = reward_conversation(pair.prompt, pair.rejected)
    return {"prompt": chosen[:1], "chosen": chosen[1:], "rejected": rejected[1:]}


@dataclass
class PairSet:
    """Pairs read from one RM file for a run.

    Attributes:
        used: The pairs the run uses (after drops, filters and subsampling).
        kept: Every pair left after the drops (before filters and subsampling).
        report: What was read, dropped and kept.
    """

    used: list[PreferencePair]
    kept: list[PreferencePair]
    report: InputReport


def read_pairs(
    path: Path,
    tokenizer: Any,
    max_length: int,
    max_rows: int | None,
    seed: int,
    *,
    length_balance: float | None = None,
    length_controlled_ratio: float | None = None,
) -> PairSet:
    """Read pairs leniently, drop over-length ones (longer side, as the judge tokenizes it), then subsample.

    Args:
        path: An RM pairs file.
        tokenizer: Measures lengths in tokens through the chat template.
        max_length: Longest pair kept, in tokens.
        max_rows: Size of the seeded subset; None: all.
        seed: Seed of the subset.
        length_balance: Share of chosen-not-longer pairs in the subset (:func:`length_balanced_subsample`).
        length_controlled_ratio: Keep only the length-controlled pairs (chosen not longer, or lengths within this
            ratio of the longer greeting) before subsampling; None keeps all.
    """
    pairs, report = read_preference_pairs(path)
    chosen = chat_lengths(tokenizer, [reward_conversation(p.prompt, p.chosen) for p in pairs])
    rejected = chat_lengths(tokenizer, [reward_conversation(p.prompt, p.rejected) for p in pairs])
    kept = drop_over_length(pairs, report, max_length, [max(a, b) for a, b in zip(chosen, rejected, strict=True)])
    used = kept
    if length_controlled_ratio is not None:
        used = [p for p in kept if ScoredPair.from_pair(p, 0.0, 0.0).length_controlled(length_controlled_ratio)]
        report.kept = len(used)
        report.filtered = f"only length-controlled pairs (chosen not longer, or within {length_controlled_ratio:.0%})"
    if length_balance is not None and max_rows is not None:
        used = length_balanced_subsample(used, report, max_rows, length_balance, seed)
    else:
        used = subsample(used, report, max_rows, seed)
    return PairSet(used, kept, report)


def peak_rss_gb() -> float:
    """This process's peak resident memory so far, in GB (Linux reports kB)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2)


def seen_report(train_pairs: list[PreferencePair], extra: list[PreferencePair]) -> dict[str, Any]:
    """What the model sees: pairs in all, distinct paper pairs, augmented pairs, and the chosen-not-longer share."""
    every = [*train_pairs, *extra]
    not_longer = sum(chosen_not_longer(p) for p in every)
    return {
        "pairs": len(every),
        "distinct_training_pairs": len(set(train_pairs)),
        "augmented": len(extra),
        "chosen_not_longer": not_longer,
        "chosen_not_longer_share": not_longer / len(every) if every else 0.0,
    }


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

    train_file = Path(config.pairs_file) if config.pairs_file else files.rm_train
    try:
        train_set = read_pairs(
            train_file,
            tokenizer,
            config.max_length,
            config.max_train_rows,
            config.seed,
            length_balance=config.length_balance,
        )
    except ValueError as err:  # a balance the file cannot meet: the message gives the count
        raise ConfigError(str(err)) from None
    test_set = read_pairs(
        files.rm_test,
        tokenizer,
        config.max_length,
        config.max_test_pairs,
        config.seed,
        length_controlled_ratio=config.similar_length_ratio if config.test_pairs == "length_controlled" else None,
    )
    train_pairs, train_report = train_set.used, train_set.report
    test_pairs, test_report = test_set.used, test_set.report
    extra, augment_report = augmented_pairs(train_pairs, config.augment, config.seed)
    seen = seen_report(train_pairs, extra)
    write_json(
        output / DATA_REPORT_FILENAME,
        {
            "rm_train": train_report.to_dict(),
            "rm_test": test_report.to_dict(),
            "augment": dataclasses.asdict(augment_report),
            "seen": seen,
        },
    )
    log(train_report.summary())
    log(test_report.summary())
    log(f"rule: {train_report.rule}")
    for data_report in (test_report,) if config.pairs_file else (train_report, test_report):
        warn_strict_loaders(data_report, log)  # about the data folder's files, which the closing evaluation reads
    if not train_pairs:
        raise ConfigError(f"no preference pairs left to train on in {train_file} (see {DATA_REPORT_FILENAME})")

    if extra:
        log(
            f"augment: {len(extra)} pairs from training-side attack forms ({augment_report.by_family}); "
            f"{seen['chosen_not_longer_share']:.0%} of all {seen['pairs']} pairs have a chosen side that is not longer"
        )
    resume = last_checkpoint(output)
    rows = [preference_row(pair) for pair in (*train_pairs, *extra)]
    trainer = _trainer(config, model_path, tokenizer, rows)
    log(
        f"training {config.model} ({config.finetune}) on {len(rows)} pairs"
        + (f" ({len(extra)} augmented)" if extra else "")
        + (f", resuming {resume}" if resume else "")
    )
    if len(trainer.train_dataset) != len(rows):  # our rule already applied TRL's; say so if TRL disagrees
        log(f"warning: TRL kept {len(trainer.train_dataset)} of the {len(rows)} pairs it was given")
    result = trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    final = save_final(trainer.model, tokenizer, config.final_dir)
    log(f"reward model saved to {final} (step {trainer.state.global_step}, train loss {result.training_loss:.4f})")
    training = {
        "base_model": model_path,
        "resumed_from": str(resume) if resume else None,
        "global_step": trainer.state.global_step,
        "train_loss": result.training_loss,
        "train_pairs": len(train_pairs),
        "augmented_pairs": len(extra),
        "train_file": str(train_file),
        "train_seconds": round(time.monotonic() - started, 1),
        "peak_rss_gb": peak_rss_gb(),
    }
    del trainer, result
    release_memory()  # the training's activations and optimizer state would otherwise stay resident

    report, pairwise = evaluate_reward_model(config, final, root, test_pairs, log, train_set)
    report["training"] = training
    report["data"] = {"rm_train": train_report.to_dict(), "rm_test": test_report.to_dict()}
    report["augment"] = dataclasses.asdict(augment_report)
    report["seen"] = seen
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
        peft_config=lora_config(config, "SEQ_CLS", modules_to_save=[REWARD_HEAD], model_path=model_path),
        callbacks=[release_memory_callback()] if config.use_cpu else None,
    )


def release_memory_callback() -> Any:
    """A trainer callback that hands freed memory back to the system after every optimizer step.

    On CPU, each step's batch has its own sequence length, so the freed activations of one step rarely fit the
    next step's; glibc keeps them, and the resident set grows step after step (measured: 5.5 -> 9.5 GB over six
    steps of the embedded 0.5B). :func:`release_memory` after each step keeps it at one step's worth.
    """
    from transformers import TrainerCallback

    class ReleaseMemory(TrainerCallback):
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            release_memory()

    return ReleaseMemory()


def evaluate_reward_model(
    config: RewardConfig,
    checkpoint: Path,
    data_dir: Path,
    test_pairs: list[PreferencePair],
    log: Callable[[str], None],
    train_set: PairSet | None = None,
) -> tuple[dict[str, Any], PairwiseReport]:
    """Pairwise figures on the test pairs, the stored threshold, eval-set figures, and the judge_agreement eval.

    One model is loaded (shared with the judge_agreement eval through :meth:`RewardModel.load`'s cache); every
    long step scores length-sorted chunks under a progress bar (:func:`score_with_progress`), so memory stays at
    the weights plus one batch. The threshold is fitted on the eval set's dev rows scored here and stored beside
    the weights with the same provenance :func:`harness.judges.fit_and_save_threshold` records.

    Args:
        config: The run.
        checkpoint: The merged reward model.
        data_dir: The paper's data folder.
        test_pairs: The RM test pairs to score.
        log: Progress printer.
        train_set: The training pairs (for the memorisation split); None skips that split.

    Returns:
        The report's evaluation part (JSON-ready) and the pairwise figures.
    """
    from harness.judges.reward_model import RewardModel

    RewardModel.forget(checkpoint)  # a rerun overwrote the folder: never score with an earlier load
    model = RewardModel.load(checkpoint, device=config.eval_device)
    size, show = config.eval_batch_size, config.progress
    sides = [(p.prompt, p.chosen) for p in test_pairs] + [(p.prompt, p.rejected) for p in test_pairs]
    rewards = score_with_progress(model, sides, size, f"RM test pairs ({len(test_pairs)})", progress=show)
    chosen, rejected = rewards[: len(test_pairs)], rewards[len(test_pairs) :]
    scored = [ScoredPair.from_pair(p, c, r) for p, c, r in zip(test_pairs, chosen, rejected, strict=True)]
    pairwise = pairwise_report(scored, config.similar_length_ratio)
    for line in pairwise.to_markdown().splitlines():
        if line.strip():
            log(line)

    eval_set: EvalSetReport | None = None
    try:
        threshold, eval_set = fit_threshold_with_progress(config, model, data_dir, train_set)
    except Exception as err:  # the model is saved: a failed step is reported, never loses the training
        log(f"threshold fitting failed: {type(err).__name__}: {err}")
        threshold = {"error": f"{type(err).__name__}: {err}"}
    else:
        log(
            f"threshold {threshold['threshold']:.6g} (dev accuracy {threshold['dev_accuracy']:.4f} on "
            f"{threshold['n']} dev rows) stored"
        )
        if eval_set is not None:
            for line in eval_set.to_markdown().splitlines():
                if line.strip():
                    log(line)

    evaluation = {
        "checkpoint": str(checkpoint),
        "pairwise": pairwise.to_dict(),
        "beats_longer_on_length_controlled": None if pairwise.learned_length is None else not pairwise.learned_length,
        "statement": pairwise.verdict,
        "threshold": threshold,
        "eval_set": None if eval_set is None else eval_set.to_dict(),
        "judge_agreement": run_judge_agreement(config, checkpoint, data_dir, log),
    }
    return evaluation, pairwise


def fit_threshold_with_progress(
    config: RewardConfig, model: Any, data_dir: Path, train_set: PairSet | None
) -> tuple[dict[str, Any], EvalSetReport | None]:
    """Score the eval set's dev rows (and test rows), fit and store the threshold, and report the test figures.

    Returns:
        The stored threshold (as a dict) and, when ``eval_test_split`` is on, the test-split figures beside the
        length rule with the memorisation split.
    """
    from harness.data import load_eval_set, split_eval_set
    from harness.judges.reward_model import fitted_threshold, store_threshold

    split = split_eval_set(load_eval_set(DataFiles(data_dir).eval_set))
    size, show = config.eval_batch_size, config.progress
    raw = score_with_progress(
        model,
        [(r.query, r.response) for r in split.dev],
        size,
        f"eval dev rows ({len(split.dev)})",
        progress=show,
        raw=True,
    )
    fit_on = {"side": "dev", "split": split.to_dict(), "device": model.device, "dtype": model.dtype}
    stored, dev_rewards = fitted_threshold(raw, split.dev, fit_on, length_head=config.length_head)
    store_threshold(model, stored)  # the loaded model (shared with judge_agreement) sees the new cut
    fitted = dataclasses.asdict(stored)
    if stored.length_model:
        fitted["length_head_correlations"] = {"dev": length_head_correlations(stored, split.dev, dev_rewards)}
    if not config.eval_test_split:
        return fitted, None
    test_rewards = score_with_progress(
        model, [(r.query, r.response) for r in split.test], size, f"eval test rows ({len(split.test)})", progress=show
    )
    trained = train_set.used if train_set else []
    in_file = train_set.kept if train_set else []
    report = eval_set_report(split.dev, dev_rewards, split.test, test_rewards, trained, in_file)
    if stored.length_model:
        fitted["length_head_correlations"]["test"] = length_head_correlations(stored, split.test, test_rewards)
    return fitted, report


def length_head_correlations(stored: Any, rows: Any, scores: list[float]) -> dict[str, float]:
    """Pearson correlation with log length of the raw reward, the length head and the quality part (the score)."""
    import numpy as np

    from harness.judges.reward_model import log_length

    x = np.array([log_length(row.response) for row in rows])
    quality = np.array(scores)
    length = np.array([stored.length_part(row.response) for row in rows])

    def corr(values: Any) -> float:
        return float(np.corrcoef(values, x)[0, 1]) if np.std(values) > 0 and np.std(x) > 0 else float("nan")

    return {"raw": corr(quality + length), "length_head": corr(length), "quality": corr(quality)}


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
            display=_agreement_display(config.progress),
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


def _agreement_display(progress: bool) -> str:
    """Inspect's display for the judge_agreement eval: its live progress on a terminal, status lines otherwise."""
    import sys

    if not progress:
        return "none"
    return "rich" if sys.stdout.isatty() else "plain"


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
        "## Eval set: test split beside the length rule",
        "",
    ]
    eval_set = report.get("eval_set")
    if eval_set is None:
        lines.append("Not measured (eval_test_split off, or the threshold step failed).")
    else:
        lines.append(EvalSetReport(**eval_set).to_markdown())
    lines += [
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
