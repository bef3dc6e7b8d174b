"""The ``greetbench train`` command group: ``sft``, ``rm`` and ``grpo`` from a preset or a YAML config file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from trainers.config import PRESETS_DIR, ConfigError, TrainConfig, load_config, preset_names


def _run_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every training command takes."""
    options = [
        click.option(
            "--config",
            "config_name",
            required=True,
            metavar="PRESET|FILE",
            help="A bundled preset (see `greetbench train presets`) or a YAML file of config keys.",
        ),
        click.option(
            "--output-dir",
            type=click.Path(file_okay=False, path_type=Path),
            help="Override the config's output_dir (a rerun on the same folder resumes from its last checkpoint).",
        ),
        click.option("--max-steps", type=click.IntRange(min=1), help="Override the config's max_steps."),
        click.option(
            "--data-dir",
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            help="Override the config's data_dir (default: $GREETBENCH_DATA_DIR or a fetched copy).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _load(
    cls: type[TrainConfig],
    name: str,
    output_dir: Path | None,
    max_steps: int | None,
    data_dir: Path | None,
    **overrides: Any,
):
    try:
        return load_config(
            cls,
            name,
            output_dir=str(output_dir) if output_dir else None,
            max_steps=max_steps,
            data_dir=str(data_dir) if data_dir else None,
            **overrides,
        )
    except ConfigError as err:
        raise click.UsageError(str(err)) from None


@click.group(name="train")
def train() -> None:
    """Train a policy (SFT, GRPO) or a reward model on the paper's data; each run ends by evaluating what it made."""


@train.command("presets")
def presets_command() -> None:
    """List the bundled presets."""
    for name in preset_names():
        first = (PRESETS_DIR / f"{name}.yaml").read_text(encoding="utf-8").splitlines()[0].lstrip("# ")
        click.echo(f"{name:32} {first}")


@train.command("sft")
@_run_options
def sft_command(config_name: str, output_dir: Path | None, max_steps: int | None, data_dir: Path | None) -> None:
    """Supervised fine-tuning on the SFT pairs, then greeting_generation on the merged policy.

    Leaves <output_dir>/model (a plain checkpoint: `greetbench eval --model hf/<path>`), the Inspect log in
    <output_dir>/logs, data_report.json and sft_summary.json.
    """
    from harness.data import DataError
    from trainers.sft import SUMMARY_FILENAME, SftConfig, train_sft

    config = _load(SftConfig, config_name, output_dir, max_steps, data_dir)
    try:
        final = train_sft(config)
    except (ConfigError, DataError) as err:
        raise click.ClickException(str(err)) from None
    summary = json.loads((config.output_path / SUMMARY_FILENAME).read_text(encoding="utf-8"))
    click.echo(f"policy     {final}")
    _echo_evaluation(summary["evaluation"])


def _echo_evaluation(evaluation: dict[str, Any] | None) -> None:
    """Print a closing evaluation's log and figures; fail (after printing) when it did not succeed."""
    if evaluation is None:
        click.echo("eval       skipped (eval_limit 0)")
        return
    click.echo(f"eval log   {evaluation['log']}  ({evaluation['status']})")
    for scorer, metrics in evaluation["scores"].items():
        click.echo(f"  {scorer}: " + ", ".join(f"{name} {value:.4g}" for name, value in metrics.items()))
    if evaluation["status"] != "success":
        raise click.ClickException(
            f"the policy is saved, but its evaluation ended with status {evaluation['status']}: {evaluation['error']}"
        )


@train.command("grpo")
@_run_options
@click.option(
    "--leaderboard",
    "leaderboard",
    is_flag=False,
    flag_value="leaderboards",
    default=None,
    metavar="[DIR]",
    help="Register the closing eval's log on the leaderboard in DIR (default leaderboards/) with "
    "`greetbench leaderboard add` rules.",
)
@click.option("--benchmark", default=None, help="The leaderboard's name in DIR (default: greetings).")
def grpo_command(
    config_name: str,
    output_dir: Path | None,
    max_steps: int | None,
    data_dir: Path | None,
    leaderboard: str | None,
    benchmark: str | None,
) -> None:
    """GRPO on the GRPO prompts with reward-model, LLM-judge, length and format rewards, then greeting_generation.

    The config holds trl.GRPOConfig, trl.ModelConfig and greetbench keys (trainers/grpo.py). Leaves
    <output_dir>/model (`greetbench eval --model hf/<path>`), the Inspect log in <output_dir>/logs, watch.jsonl,
    metrics.jsonl, curves.png, data_report.json and grpo_summary.json.
    """
    from harness.data import DataError
    from trainers.grpo import SUMMARY_FILENAME, load_grpo_config, train_grpo

    try:
        run = load_grpo_config(
            config_name,
            output_dir=str(output_dir) if output_dir else None,
            max_steps=max_steps,
            data_dir=str(data_dir) if data_dir else None,
            leaderboard=leaderboard,
            leaderboard_benchmark=benchmark,
        )
    except ConfigError as err:
        raise click.UsageError(str(err)) from None
    try:
        final = train_grpo(run)
    except (ConfigError, DataError) as err:
        raise click.ClickException(str(err)) from None
    summary = json.loads((run.output_path / SUMMARY_FILENAME).read_text(encoding="utf-8"))
    click.echo(f"policy     {final}  (rollouts {summary['rollouts']['engine']}, {summary['global_step']} steps)")
    points = summary["watch_points"]
    warnings = [p["warning"] for p in points if p.get("warning")]
    if points:
        click.echo(f"watch      {len(points)} points, {len(warnings)} warning(s)  {run.output_path / 'watch.jsonl'}")
    board = summary["leaderboard"]
    if board is not None:
        shown = board["registry"] if board["status"] == "added" else "; ".join(board["reasons"])
        click.echo(f"leaderboard {board['status']}: {shown}")
    _echo_evaluation(summary["evaluation"])


@train.command("rm")
@_run_options
@click.option(
    "--pairs",
    "pairs_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Train on this pair file (RM format, e.g. from `greetbench make-preferences`) instead of the paper's "
    "RM-train pairs; overrides the config's pairs_file.",
)
def rm_command(
    config_name: str, output_dir: Path | None, max_steps: int | None, data_dir: Path | None, pairs_file: Path | None
) -> None:
    """Reward-model training on the RM pairs, then pairwise figures, the judge threshold and judge_agreement.

    Leaves <output_dir>/model (a plain one-label checkpoint with greetbench_threshold.json, for the rm judge),
    rm_report.json / rm_report.md, data_report.json and, when the judge_agreement task is installed, its log.
    """
    from harness.data import DataError
    from trainers.reward import REPORT_JSON, REPORT_MD, RewardConfig, train_reward_model

    pairs = str(pairs_file) if pairs_file else None
    config = _load(RewardConfig, config_name, output_dir, max_steps, data_dir, pairs_file=pairs)
    try:
        final = train_reward_model(config)
    except (ConfigError, DataError) as err:
        raise click.ClickException(str(err)) from None
    report = json.loads((config.output_path / REPORT_JSON).read_text(encoding="utf-8"))
    threshold = report["threshold"]
    shown = f"threshold {threshold['threshold']:.6g}" if "error" not in threshold else "NO threshold"
    click.echo(f"reward model  {final}  ({shown})")
    click.echo(f"report        {final.parent / REPORT_MD}")
    for name, figures in report["pairwise"]["subsets"].items():
        rm, longer = figures["rm_accuracy"], figures["longer_accuracy"]
        shown = "n/a" if rm is None else f"RM {rm:.3f} vs pick-the-longer {longer:.3f}"
        click.echo(f"  {name:18} {figures['pairs']:5} pairs  {shown}")
    click.echo(report["statement"])
    agreement = report["judge_agreement"]
    click.echo(f"judge_agreement  {agreement['status']}  {agreement.get('log') or agreement.get('reason', '')}")
    failed = [f"threshold fitting: {threshold['error']}"] if "error" in threshold else []
    if agreement["status"] not in ("success", "skipped"):
        failed.append(f"judge_agreement: {agreement['error'] or agreement['status']}")
    if failed:
        raise click.ClickException("the reward model is saved, but " + "; ".join(failed))


@train.command("compare-rm")
@click.argument("contenders", nargs=-1, required=True, metavar="NAME[=CHECKPOINT]...")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="The report folder.")
@click.option(
    "--data-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The paper's data folder (default: $GREETBENCH_DATA_DIR or a fetched copy).",
)
@click.option("--probe-n", type=click.IntRange(min=1), default=140, show_default=True, help="Cases per probe family.")
@click.option(
    "--pair-sample", type=click.IntRange(min=1), default=300, show_default=True, help="RM test pairs sampled."
)
@click.option("--batch-size", type=click.IntRange(min=1), default=16, show_default=True, help="Pairs per forward.")
def compare_rm_command(
    contenders: tuple[str, ...], out: Path, data_dir: Path | None, probe_n: int, pair_sample: int, batch_size: int
) -> None:
    """Score reward models (at their stored cuts) and the length rule on the same rows; write one comparison.

    NAME=CHECKPOINT names each trained reward model; the first is the reference of the within-strata differences.
    A bare NAME keeps that contender of the earlier comparison in OUT (its scores; its weights need not be here),
    so a new recipe joins a table without retraining the others. Writes OUT/report.json, OUT/comparison.md and
    OUT/scores/<name>.jsonl.
    """
    from harness.data import resolve_data_dir
    from harness.judges.reward_model import RewardModelError, checkpoint_dir
    from trainers.rm_compare import compare_reward_models

    pairs = []
    for item in contenders:
        name, sep, path = item.partition("=")
        if not name.strip() or (sep and not path.strip()):
            raise click.BadParameter(f"expected NAME=CHECKPOINT or NAME, got {item!r}", param_hint="CONTENDERS")
        try:
            pairs.append((name.strip(), checkpoint_dir(path) if sep else None))
        except RewardModelError as err:
            raise click.BadParameter(str(err), param_hint="CONTENDERS") from None
    if len({name for name, _ in pairs}) != len(pairs):
        raise click.BadParameter("contender names must differ", param_hint="CONTENDERS")
    root = resolve_data_dir(data_dir)
    if root is None:
        raise click.UsageError("no data: pass --data-dir, set GREETBENCH_DATA_DIR or run `greetbench data fetch`")

    def log(message: str) -> None:
        click.echo(f"[greetbench] compare rm: {message}", err=True)

    try:
        compare_reward_models(
            pairs, root, out, pair_sample=pair_sample, probe_n=probe_n, batch_size=batch_size, log=log
        )
    except RewardModelError as err:
        raise click.ClickException(str(err)) from None
    click.echo(out / "comparison.md")


@train.command("prepare-rm")
@click.option(
    "--data-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The paper's data folder (default: $GREETBENCH_DATA_DIR or a fetched copy).",
)
@click.option("--force", is_flag=True, help="Retrain even if the judge is already prepared.")
def prepare_rm_command(data_dir: Path | None, force: bool) -> None:
    """Train the embedded reward-model judge once (seeded, under 10 minutes on CPU) and cache it; print its folder.

    Uses the bundled preset rm-embedded-hardened (the winner of leaderboards/rm-recipes); later runs reuse the cached
    checkpoint and its threshold. Judge with it: `greetbench eval --judges principle,rm --rm-checkpoint <folder>`.
    """
    from harness.data import DataError
    from trainers.prepared_rm import ensure_prepared_rm, read_marker

    try:
        folder = ensure_prepared_rm(progress=True, data_dir=data_dir, force=force)
    except (ConfigError, DataError) as err:
        raise click.ClickException(str(err)) from None
    marker = read_marker(folder) or {}
    click.echo(folder)
    if "threshold" in marker:
        click.echo(
            f"threshold {marker['threshold']:.6g}  dev accuracy {marker['dev_accuracy']:.4f}  "
            f"prepared {marker['prepared_at']} in {marker['prepare_seconds']:.0f} s",
            err=True,
        )
