"""GRPO of a greeting policy with TRL's GRPOTrainer, rewarded by a reward model, an LLM judge, length and format
terms; then the policy runs greeting_generation and, when asked, goes on the leaderboard.

The config is one YAML file read by TRL's own parser into three dataclasses (:func:`load_grpo_config`):
``trl.GRPOConfig`` (every TRL/transformers training option: ``num_generations``, ``beta``, ``learning_rate``,
``use_vllm``, ``max_completion_length``, ``output_dir`` ...), ``trl.ModelConfig`` (``model_name_or_path``,
``dtype``, ``use_peft``, ``lora_*``) and :class:`GreetbenchGrpoArguments` (what TRL lacks: the data, the rewards,
the watch, the closing eval, the leaderboard). ``model_name_or_path`` also takes ``tiny`` (a tiny random Qwen2
built into ``<output_dir>/base-model``: tests) and ``embedded`` (the embedded Qwen2.5-Coder-0.5B-Instruct).

Everything that can be checked is checked before any model loads: unknown keys and wrong types (naming the key and
the file), a generation batch not divisible by ``num_generations`` (TRL's own check), a missing RM checkpoint, a
judge model that cannot be made, a Python reward that does not import, a watch judge that is a training reward.

The run (:func:`train_grpo`):

1. the prompts: the GRPO train split (``请只生成一条祝福语：...``), a seeded subset if asked, with the bare request as
   a ``query`` column every reward receives; counts in ``data_report.json``;
2. rollouts: vLLM where asked and importable, else greetbench's batched sampler (or HF generate where the run
   needs it) (:mod:`trainers.rollouts`);
3. GRPOTrainer (:mod:`trainers.grpo_trainer`: a completion with an unscored term gets no signal from the mix)
   with the rewards and their weights (``reward_weights``), LoRA from ``ModelConfig``, the watch
   callback (:mod:`trainers.watch`); TRL logs each reward term (``rewards/<name>/mean``), completion lengths (mean,
   max), the share of clipped completions and KL; the rewards add their own counts (unscored, timed out);
4. the merged policy in ``<output_dir>/model``, ``metrics.jsonl`` (every logged step, with where each step's time
   went: :mod:`trainers.step_timing`) and ``curves.png``;
5. greeting_generation on it (:mod:`trainers.closing_eval`), the log in ``<output_dir>/logs``, registered on the
   leaderboard when ``leaderboard`` is set;
6. ``grpo_summary.json``: the three configs, rollouts, rewards, data, steps, timings, eval, leaderboard entry.

A rerun on the same output folder resumes from its last ``checkpoint-*``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from trainers.closing_eval import ClosingEvalArguments, evaluate_policy, register_on_leaderboard
from trainers.config import (
    DATA_REPORT_FILENAME,
    ConfigError,
    RunFolders,
    last_checkpoint,
    load_tokenizer,
    require_data_dir,
    resolve_model,
    save_final,
    say,
    write_json,
)
from trainers.rewards import NamedSpec, build_reward, build_rewards, parse_reward_spec, parse_reward_specs
from trainers.watch_triggers import WatchTriggers

SUMMARY_FILENAME = "grpo_summary.json"
"""What a run did, in ``<output_dir>``."""

METRICS_FILENAME = "metrics.jsonl"
"""Every logged step of the trainer (TRL's metrics and the rewards' own), one JSON object a line."""

CURVES_FILENAME = "curves.png"
"""Reward terms, watch and completion length against step."""

GRPO_RULE = (
    "GRPO prompts: every row of grpo_data/train.parquet (the harness loader refuses a file with a bad row); then "
    "keep a seeded random subset of max_train_prompts if set"
)


LATE_CHECKED_CHOICES: dict[str, tuple[str, ...]] = {
    "scale_rewards": ("group", "batch", "none"),
    "loss_type": ("grpo", "dr_grpo", "dapo", "bnpo", "cispo", "sapo", "luspo", "vespo"),
    "importance_sampling_level": ("token", "sequence"),
    "vllm_mode": ("colocate", "server"),
}
"""GRPOConfig keys whose values TRL (1.16, per its help texts) checks only at the first step, after every model has
loaded; checked here before anything loads."""


@dataclass
class GreetbenchGrpoArguments(ClosingEvalArguments):
    """The greetbench keys of a GRPO config (TRL's own keys live in ``GRPOConfig`` and ``ModelConfig``).

    Attributes:
        data_dir: The paper's data folder; default ``$GREETBENCH_DATA_DIR`` or a fetched copy.
        max_train_prompts: Train on a seeded random subset of this many GRPO train prompts; None: all 3,200.
        rewards: The reward terms, each ``{kind: rm|judge|length|format|python, weight: w, ...}`` (see
            :mod:`trainers.rewards`); their weights become ``GRPOConfig.reward_weights``.
        watch_steps: Steps between reward-hacking watch points (:mod:`trainers.watch`); 0 turns the watch off.
        watch_prompts: Held-out prompts the watch answers (the first rows of the GRPO test split).
        watch_judge: The watch's judge, a reward spec of kind ``judge`` or ``rm`` that is not a training reward;
            None watches with the length rule alone.
        watch_max_new_tokens: Generation limit of the watch; None: ``max_completion_length``.
        watch_triggers: When a watch point counts as a hack, ``{length_drift: 0.3, clipped: 0.5, repetition: 0.1,
            meta_text: 0.25, reward_without_quality: 0.02}`` (:class:`trainers.watch_triggers.WatchTriggers`; the
            keys given replace those defaults, null turns one off).
        watch_stop: End the run at the first trigger, with a checkpoint saved; off: triggers are logged only.
        leaderboard: A leaderboards folder to register the closing eval's log in (``greetbench leaderboard add``
            rules); None: do not register.
        leaderboard_benchmark: The leaderboard's name in that folder; None: the default (``greetings``).
    """

    data_dir: str | None = None
    max_train_prompts: int | None = None
    rewards: list[dict] = field(default_factory=list)
    watch_steps: int = 0
    watch_prompts: int = 16
    watch_judge: dict | None = None
    watch_max_new_tokens: int | None = None
    watch_triggers: dict = field(default_factory=dict)
    watch_stop: bool = False
    leaderboard: str | None = None
    leaderboard_benchmark: str | None = None

    def __post_init__(self) -> None:
        """Check values that no type can express."""
        super().__post_init__()
        if self.max_train_prompts is not None and self.max_train_prompts < 1:
            raise ValueError(f"max_train_prompts must be at least 1 (or null for all), got {self.max_train_prompts}")
        if self.watch_steps < 0 or self.watch_prompts < 1:
            raise ValueError("watch_steps must be 0 (off) or more and watch_prompts at least 1")


@dataclass
class GrpoRun(RunFolders):
    """A checked GRPO config.

    Attributes:
        source: The config file (or ``<dict>``).
        args: The greetbench keys.
        grpo: TRL's ``GRPOConfig``.
        model: TRL's ``ModelConfig``.
        rewards: The parsed reward specs (names resolved).
        watch: The parsed watch-judge spec, or None.
        triggers: The parsed ``watch_triggers``.
    """

    source: str
    args: GreetbenchGrpoArguments
    grpo: Any
    model: Any
    rewards: list[NamedSpec]
    watch: NamedSpec | None
    triggers: WatchTriggers

    @property
    def output_path(self) -> Path:
        """``output_dir`` as a Path."""
        return Path(self.grpo.output_dir)


def config_types() -> tuple[type, type, type]:
    """``(GreetbenchGrpoArguments, GRPOConfig, ModelConfig)``, the dataclasses TRL's parser fills."""
    from trl import GRPOConfig, ModelConfig

    return GreetbenchGrpoArguments, GRPOConfig, ModelConfig


def load_grpo_config(name_or_path: str | Path, **overrides: Any) -> GrpoRun:
    """Read a preset or YAML file into a checked :class:`GrpoRun` (nothing is loaded or built).

    Args:
        name_or_path: A bundled preset name (``grpo-tiny-cpu``) or a YAML file.
        **overrides: Keys that win over the file's (``output_dir``, ``max_steps``, ``data_dir``, ...); None values
            are ignored.

    Raises:
        ConfigError: One line naming the file and the key.
    """
    from trainers.trl_parser import parse_config_file

    path, (args, grpo, model) = parse_config_file(config_types(), name_or_path, overrides)
    return check_grpo_config(str(path), args, grpo, model)


def check_grpo_config(source: str, args: GreetbenchGrpoArguments, grpo: Any, model: Any) -> GrpoRun:
    """The checks the dataclasses cannot make alone; see :func:`load_grpo_config`.

    Raises:
        ConfigError: Naming ``source`` and the key.
    """
    if not model.model_name_or_path:
        raise ConfigError(f"{source}: key 'model_name_or_path' is missing (a model id, a folder, tiny or embedded)")
    if not grpo.output_dir or grpo.output_dir == "trainer_output":
        raise ConfigError(f"{source}: key 'output_dir' is missing")
    for key, choices in LATE_CHECKED_CHOICES.items():
        if getattr(grpo, key) not in choices:
            raise ConfigError(f"{source}: key {key!r} must be one of {', '.join(choices)}, got {getattr(grpo, key)!r}")
    rewards = parse_reward_specs(args.rewards, source)
    if grpo.reward_weights is not None:
        raise ConfigError(
            f"{source}: key 'reward_weights': set each reward's weight in 'rewards' instead (rewards[i].weight)"
        )
    watch = None
    if args.watch_judge is not None:
        kind, spec = parse_reward_spec(args.watch_judge, f"{source}: watch_judge")
        if kind not in ("judge", "rm"):
            raise ConfigError(f"{source}: key 'watch_judge': kind must be judge or rm, got {kind!r}")
        watch = NamedSpec(kind, "watch", spec)
        same = [r.name for r in rewards if r.kind == kind and _judge_identity(r) == _judge_identity(watch)]
        if same:
            raise ConfigError(
                f"{source}: key 'watch_judge': it is the training reward {same[0]!r}; watch with another judge "
                "(train on the RM and watch with the principle judge, or the reverse)"
            )
    from trainers.trl_parser import parse_mapping

    (triggers,) = parse_mapping((WatchTriggers,), dict(args.watch_triggers), f"{source}: watch_triggers")
    return GrpoRun(source, args, grpo, model, rewards, watch, triggers)


def check_checkpoints(run: GrpoRun) -> None:
    """Check every reward-model checkpoint the run names (training rewards and watch) exists; loads nothing.

    Raises:
        ConfigError: ``<file>: rewards[i]: ...`` or ``<file>: watch_judge: ...`` naming the missing checkpoint.
    """
    from trainers.rewards import resolve_rm_checkpoint

    named = [(f"rewards[{i}]", spec) for i, spec in enumerate(run.rewards)]
    named += [("watch_judge", run.watch)] if run.watch is not None and run.args.watch_steps else []
    for key, item in named:
        if item.kind == "rm":
            try:
                resolve_rm_checkpoint(item.spec.checkpoint)  # type: ignore[attr-defined]
            except ValueError as err:
                raise ConfigError(f"{run.source}: {key}: reward {item.name!r} (rm): {err}") from None


def _judge_identity(named: NamedSpec) -> str:
    spec = named.spec
    return str(getattr(spec, "checkpoint", None) or getattr(spec, "model", None)).strip()


def train_grpo(run: GrpoRun, log: Callable[[str], None] | None = None) -> Path:
    """Train, save the merged policy, evaluate it, register it; resume if interrupted before.

    Writes into ``output_dir``: ``checkpoint-*``, ``data_report.json``, ``watch.jsonl``, ``model/``,
    ``metrics.jsonl``, ``curves.png``, ``logs/`` and ``grpo_summary.json``.

    Args:
        run: The checked config (:func:`load_grpo_config`).
        log: Progress printer; default ``[greetbench] train grpo: ...`` lines on stderr.

    Returns:
        The final model folder.

    Raises:
        ConfigError: No data folder, an unusable tokenizer, a reward that cannot be built (checked before the
            policy loads).
        DataError: A GRPO parquet file is missing or malformed.
    """
    log = log or say("train grpo")
    started = time.monotonic()
    run.grpo.output_dir = str(run.output_path.resolve())  # logs name absolute paths
    output = run.output_path
    output.mkdir(parents=True, exist_ok=True)
    root = require_data_dir(run.args.data_dir)

    check_checkpoints(run)  # cheap checks first: a missing RM fails before any judge or policy loads
    reward_funcs, weights = build_rewards(run.rewards, run.source)  # fails on a missing RM / judge before the policy
    watching = run.watch is not None and run.args.watch_steps > 0
    watch_judge = build_reward(run.watch, f"{run.source}: watch_judge") if watching else None
    from trainers.rewards.length_control import prepare_length_control

    try:  # before the policy loads: a judge's fit costs one call per dev row (cached)
        prepare_length_control([*reward_funcs, *([watch_judge] if watch_judge else [])], root, log)
    except ValueError as err:
        raise ConfigError(f"{run.source}: {err}") from None
    rows, report, watch_requests = _prompts(run, root)
    write_json(output / DATA_REPORT_FILENAME, {"grpo_train": report.to_dict()})
    log(report.summary())

    from trainers.rollouts import GREETBENCH_SAMPLER, choose_rollouts

    rollouts = choose_rollouts(run.grpo, run.grpo.world_size)
    log(f"rollouts: {rollouts.engine}" + (f" ({rollouts.reason})" if rollouts.reason else ""))
    model_path = resolve_model(run.model.model_name_or_path, output, "causal-lm")
    tokenizer = load_tokenizer(model_path)
    run.grpo.reward_weights = weights
    if run.grpo.model_init_kwargs is None:
        run.grpo.model_init_kwargs = {"dtype": run.model.dtype or "auto"}

    watch = None
    if run.args.watch_steps:
        from trainers.watch import WATCH_FILENAME, make_watch_callback

        watch = make_watch_callback(
            watch_requests,
            watch_judge,
            run.args.watch_steps,
            run.args.watch_max_new_tokens or run.grpo.max_completion_length,
            output / WATCH_FILENAME,
            log,
            run.triggers,
            run.args.watch_stop,
        )
    trainer = _trainer(run, model_path, tokenizer, rows, reward_funcs, watch, rollouts.engine == GREETBENCH_SAMPLER)
    if watch is not None:
        watch.trainer = trainer
    from trainers.step_timing import instrument

    timing = instrument(trainer, log)
    if timing is not None:  # before the watch, so that a step's time does not include the watch's
        if watch is not None:
            trainer.remove_callback(watch)
        trainer.add_callback(timing)
        if watch is not None:
            trainer.add_callback(watch)
    resume = last_checkpoint(output)
    log(
        f"training {run.model.model_name_or_path} ({'LoRA' if run.model.use_peft else 'full'}) on {len(rows)} "
        f"prompts, {run.grpo.num_generations} completions each, rewards "
        + ", ".join(f"{n.name} x{n.spec.weight:g}" for n in run.rewards)
        + (f", resuming {resume}" if resume else "")
    )
    train_started = time.monotonic()
    result = trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    train_seconds = time.monotonic() - train_started
    final = save_policy(trainer, tokenizer, run.final_dir)
    if not trainer.accelerator.is_main_process:
        return final  # the main process evaluates and reports
    log(f"policy saved to {final} (step {trainer.state.global_step}, train loss {result.training_loss:.4f})")
    history = [dict(entry) for entry in trainer.state.log_history]
    _write_metrics(output, history)
    curves = _plot_curves(output, history, watch, log)
    reward_totals = {
        getattr(f, "__name__", str(i)): dict(f.totals) for i, f in enumerate(reward_funcs) if hasattr(f, "totals")
    }
    del trainer
    from trainers.rm_scoring import release_memory

    release_memory()

    evaluation, board = None, None
    if run.args.eval_limit:
        try:
            evaluation = evaluate_policy(run.args, final, root, log, logs_dir=run.logs_dir, seed=run.grpo.seed)
        except Exception as err:  # the policy is saved: a failed evaluation is reported, never loses the training
            log(f"evaluation failed: {type(err).__name__}: {err}")
            evaluation = {"status": "error", "error": f"{type(err).__name__}: {err}", "log": None, "scores": {}}
        if run.args.leaderboard and evaluation.get("log") and evaluation["status"] == "success":
            board = register_on_leaderboard(
                evaluation["log"], Path(run.args.leaderboard), run.args.leaderboard_benchmark
            )
            if board["status"] == "added":
                log(f"leaderboard: added to {board['registry']}")
            else:
                log("leaderboard: refused: " + "; ".join(board["reasons"]))
    write_json(
        output / SUMMARY_FILENAME,
        {
            "source": run.source,
            "greetbench": asdict(run.args),
            "grpo": run.grpo.to_dict(),
            "model": asdict(run.model),
            "base_model": model_path,
            "rollouts": rollouts.to_dict(),
            "rewards": [{**asdict(n.spec), "name": n.name, "kind": n.kind} for n in run.rewards],
            "reward_outcomes": reward_totals,
            "length_fits": {
                f.__name__: f.length_fit.to_dict()
                for f in [*reward_funcs, *([watch_judge] if watch_judge else [])]
                if getattr(f, "length_fit", None) is not None
            },
            "watch_judge": None if run.watch is None else {**asdict(run.watch.spec), "kind": run.watch.kind},
            "watch_triggers": asdict(run.triggers),
            "watch_points": [asdict(p) for p in watch.points] if watch is not None else [],
            "watch_stopped": None
            if watch is None or watch.stopped is None
            else {
                "step": watch.stopped.step,
                "triggers": watch.stopped.triggers,
            },
            "data": report.to_dict(),
            "resumed_from": str(resume) if resume else None,
            "global_step": len(history) and max(entry.get("step", 0) for entry in history),
            "train_loss": result.training_loss,
            "final_model": str(final),
            "curves": str(curves) if curves else None,
            "train_seconds": round(train_seconds, 1),
            "timing": _timing_summary(history),
            "seconds_per_step": round(train_seconds / max(1, result.global_step), 2),
            "total_seconds": round(time.monotonic() - started, 1),
            "evaluation": evaluation,
            "leaderboard": board,
        },
    )
    return final


def save_policy(trainer: Any, tokenizer: Any, dest: Path) -> Path:
    """Save the trained policy merged into one plain checkpoint (:func:`trainers.config.save_final`).

    On one process the trainer's model is merged and saved directly. Across processes (DDP, DeepSpeed ZeRO-3) every
    process first takes part in ``trainer.save_model`` (which gathers ZeRO-3 shards into 16-bit weights) into
    ``<dest>.gathered``; then the main process loads that (an adapter over its base, or full weights), merges and
    saves it. Returns ``dest`` on every process.
    """
    accelerator = trainer.accelerator
    if accelerator.num_processes == 1 and not trainer.is_deepspeed_enabled:
        return save_final(trainer.model, tokenizer, dest)
    import shutil

    gathered = dest.with_name(dest.name + ".gathered")
    trainer.save_model(str(gathered))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        if (gathered / "adapter_config.json").is_file():
            from peft import AutoPeftModelForCausalLM

            model = AutoPeftModelForCausalLM.from_pretrained(gathered, dtype="auto")
        else:
            from transformers import AutoModelForCausalLM

            model = AutoModelForCausalLM.from_pretrained(gathered, dtype="auto")
        save_final(model, tokenizer, dest)
        shutil.rmtree(gathered, ignore_errors=True)
    accelerator.wait_for_everyone()
    return dest


def _prompts(run: GrpoRun, root: Path) -> tuple[list[dict[str, Any]], Any, list[Any]]:
    """The training rows (conversational prompt + query), their input report, and the watch's held-out requests."""
    from harness.data import DataFiles, load_grpo_requests
    from trainers.data import InputReport, subsample

    files = DataFiles(root)
    requests = load_grpo_requests(files.grpo_train)
    report = InputReport(str(files.grpo_train), GRPO_RULE, records=len(requests), kept=len(requests))
    requests = subsample(requests, report, run.args.max_train_prompts, run.grpo.seed)
    rows = [{"prompt": [{"role": "user", "content": r.prompt}], "query": r.query} for r in requests]
    watch = load_grpo_requests(files.grpo_test)[: run.args.watch_prompts] if run.args.watch_steps else []
    return rows, report, watch


def _trainer(
    run: GrpoRun,
    model_path: str,
    tokenizer: Any,
    rows: list[dict],
    rewards: list[Any],
    watch: Any | None,
    own_sampler: bool = False,
) -> Any:
    from datasets import Dataset
    from trl import get_peft_config

    from trainers.grpo_trainer import GreetbenchGRPOTrainer
    from trainers.reward import release_memory_callback

    callbacks = [cb for cb in (watch, release_memory_callback() if run.grpo.use_cpu else None) if cb is not None]
    return GreetbenchGRPOTrainer(
        model=model_path,
        reward_funcs=rewards,
        args=run.grpo,
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
        peft_config=get_peft_config(run.model),
        callbacks=callbacks or None,
        own_sampler=own_sampler,
    )


def _timing_summary(history: list[dict[str, Any]]) -> dict[str, float | None]:
    """Mean seconds per step in generation, rewards and the rest, and rollout tokens/s, over the logged steps."""
    keys = ("timing/step_s", "timing/generation_s", "timing/reward_s", "timing/other_s", "rollout/tokens_per_s")
    summary: dict[str, float | None] = {}
    for key in keys:
        values = [entry[key] for entry in history if isinstance(entry.get(key), int | float)]
        summary[key.split("/")[-1]] = round(sum(values) / len(values), 3) if values else None
    return summary


def _write_metrics(output: Path, history: list[dict[str, Any]]) -> Path:
    path = output / METRICS_FILENAME
    with path.open("w", encoding="utf-8") as handle:
        for entry in history:
            handle.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
    return path


def _plot_curves(
    output: Path, history: list[dict[str, Any]], watch: Any | None, log: Callable[[str], None]
) -> Path | None:
    """Reward terms and total, watch (judge, length rule) and completion length against step, as one PNG."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # matplotlib is a dependency; a broken install only costs the picture
        log("matplotlib is not importable: no curves.png")
        return None
    steps = [e for e in history if "reward" in e]
    if not steps:
        return None
    figure, axes = plt.subplots(1, 3, figsize=(15, 4))
    x = [e["step"] for e in steps]
    for key in sorted({k for e in steps for k in e if k.startswith("rewards/") and k.endswith("/mean")}):
        axes[0].plot(x, [e.get(key) for e in steps], label=key.removeprefix("rewards/").removesuffix("/mean"))
    axes[0].plot(x, [e["reward"] for e in steps], label="total (weighted)", color="black", linewidth=2)
    axes[0].set_title("training reward")
    points = getattr(watch, "points", []) if watch is not None else []
    if points:
        px = [p.step for p in points]
        if any(p.watch is not None for p in points):
            axes[1].plot(px, [p.watch for p in points], marker="o", label="watch judge")
        axes[1].plot(px, [p.length_rule for p in points], marker="s", label="length rule (>= 39 chars)")
    axes[1].set_title("held-out watch")
    axes[2].plot(x, [e.get("completions/mean_length") for e in steps], label="mean tokens")
    axes[2].plot(x, [e.get("completions/max_length") for e in steps], label="max tokens")
    if any("completions/clipped_ratio" in e for e in steps):
        twin = axes[2].twinx()
        twin.plot(x, [e.get("completions/clipped_ratio") for e in steps], color="grey", linestyle=":", label="clipped")
        twin.set_ylabel("clipped share")
    axes[2].set_title("completion length")
    for axis in axes:
        axis.set_xlabel("step")
        if axis.get_legend_handles_labels()[0]:
            axis.legend(fontsize=7)
    figure.tight_layout()
    path = output / CURVES_FILENAME
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
