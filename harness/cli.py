"""The ``greetbench`` command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from harness.data.commands import data
from harness.leaderboard.commands import leaderboard
from harness.principles import DEFAULT_PRINCIPLES
from trainers.commands import train

DEFAULT_LIMIT = 5
"""Requests in a default run: about two minutes on two CPU cores with the embedded model."""

DEFAULT_JUDGES = "principle"
"""Judges of a run that names none; the prepared rm judge joins them when it is there."""


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """greetbench: judged creative-writing benchmark for Chinese greetings (祝福语)."""


cli.add_command(data)
cli.add_command(leaderboard)
cli.add_command(train)


@cli.command("eval")
@click.option(
    "--model",
    default="embedded",
    show_default=True,
    help="Model under test: 'embedded' or any Inspect model (hf/<path>, vllm/<id>, openai-api/<svc>/<id>, "
    "ollama/<id>, ...).",
)
@click.option("--judge", default="embedded", show_default=True, help="Judge model, named like --model.")
@click.option(
    "--judges",
    default=None,
    help="Comma-separated: principle, debate, rm, length, constant, panel (majority of the non-baseline judges). "
    "Default: principle, plus rm when the prepared rm judge is there (`greetbench train prepare-rm`).",
)
@click.option(
    "--rm-checkpoint",
    help="Reward-model checkpoint for the rm judge (with its fitted threshold); default: the prepared rm judge.",
)
@click.option("--limit", default=DEFAULT_LIMIT, show_default=True, type=int, help="Requests to run (0: all).")
@click.option(
    "--prompts",
    type=click.Choice(["auto", "bundled", "grpo-test"]),
    default="auto",
    show_default=True,
    help="auto: the GRPO test split when the paper's data is available, else the bundled requests.",
)
@click.option(
    "--data-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The paper's data folder (default: $GREETBENCH_DATA_DIR or a fetched copy).",
)
@click.option("--principles", default=DEFAULT_PRINCIPLES, show_default=True, help="Bundled name or YAML path.")
@click.option(
    "--judge-reason/--no-judge-reason",
    default=True,
    show_default=True,
    help="The principle judge gives a reason with its verdict, or only the verdict word (fast).",
)
@click.option("--log-dir", default="logs", show_default=True, help="Where Inspect writes the log.")
@click.option("--seed", type=int, default=None, help="Generation seed for policy and judge.")
@click.option(
    "--max-tokens",
    type=click.IntRange(min=1),
    default=None,
    help="Most new tokens per greeting (default: the task's 256); trainers' closing evals set theirs the same way.",
)
@click.option(
    "-M",
    "--model-arg",
    "model_args",
    multiple=True,
    metavar="KEY=VALUE",
    help="Model argument for the model under test (e.g. -M model_path=./runs/sft/model for an hf/ name).",
)
def eval_command(
    model: str,
    judge: str,
    judges: str | None,
    rm_checkpoint: str | None,
    limit: int,
    prompts: str,
    data_dir: Path | None,
    principles: str,
    judge_reason: bool,
    log_dir: str,
    seed: int | None,
    max_tokens: int | None,
    model_args: tuple[str, ...],
) -> None:
    """Run greeting_generation: the model writes greetings, the judge scores them; prints the results."""
    from inspect_ai import eval as inspect_eval

    from harness.models import EMBEDDED_MODEL, ensure_embedded_model, resolve_model_name
    from harness.results import format_summary
    from tasks.greeting_generation import greeting_generation

    judges, rm_checkpoint = _with_prepared_rm(judges, rm_checkpoint)
    model, judge = resolve_model_name(model), resolve_model_name(judge)
    if EMBEDDED_MODEL in (model, judge):
        ensure_embedded_model(progress=True)  # the one-off conversion reports its own progress, before Inspect's
    task = greeting_generation(
        prompts=prompts,
        data_dir=str(data_dir) if data_dir else None,
        principles=principles,
        judges=judges,
        rm_checkpoint=rm_checkpoint,
        judge_reason=judge_reason,
    )
    [log] = inspect_eval(
        task,
        model=model,
        model_roles={"judge": judge},
        model_args=_key_values(model_args),
        limit=limit or None,
        log_dir=log_dir,
        seed=seed,
        **({"max_tokens": max_tokens} if max_tokens else {}),
    )
    click.echo(format_summary(log))
    if log.status != "success":
        sys.exit(1)


@cli.command("fit-rm-threshold")
@click.argument("checkpoint", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--data-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The paper's data folder (default: $GREETBENCH_DATA_DIR or a fetched copy).",
)
def fit_rm_threshold(checkpoint: Path, data_dir: Path | None) -> None:
    """Fit a reward model's good/bad threshold on the eval set's dev split and store it with the checkpoint."""
    from harness.data import DataFiles, load_eval_set, resolve_data_dir, split_eval_set
    from harness.judges import fit_and_save_threshold

    root = resolve_data_dir(data_dir)
    if root is None:
        raise click.UsageError("no data: pass --data-dir, set GREETBENCH_DATA_DIR or run `greetbench data fetch`")
    stored = fit_and_save_threshold(checkpoint, split_eval_set(load_eval_set(DataFiles(root).eval_set)))
    click.echo(f"threshold {stored.threshold:.6g}  dev accuracy {stored.dev_accuracy:.4f}  on {stored.n} dev rows")
    click.echo(f"stored in {checkpoint}")


def _with_prepared_rm(judges: str | None, rm_checkpoint: str | None) -> tuple[str, str | None]:
    """The judges to run and the rm checkpoint: the prepared rm judge joins the default run, and serves any run
    that asks for ``rm`` without a checkpoint, when it is prepared (it is never trained behind the user's back)."""
    from trainers.prepared_rm import PREPARE_COMMAND, prepared_rm_checkpoint

    names = [n.strip() for n in (judges or DEFAULT_JUDGES).split(",")]
    if rm_checkpoint is not None or (judges is not None and "rm" not in names):
        return ",".join(names), rm_checkpoint
    prepared = prepared_rm_checkpoint()
    if prepared is None:
        if "rm" in names:
            raise click.UsageError(f"the rm judge needs --rm-checkpoint, or a prepared one: run `{PREPARE_COMMAND}`")
        return ",".join(names), None
    if "rm" not in names:
        names.append("rm")
    click.echo(f"rm judge: the prepared reward model at {prepared}", err=True)
    return ",".join(names), str(prepared)


def _key_values(pairs: tuple[str, ...]) -> dict[str, str]:
    bad = [p for p in pairs if "=" not in p]
    if bad:
        raise click.BadParameter(f"expected KEY=VALUE, got {bad}", param_hint="-M")
    return dict(p.split("=", 1) for p in pairs)


@cli.group()
def model() -> None:
    """The embedded models (the default and the optional 1.5B judge) and tiny test models."""


@model.command("prepare")
@click.argument("name", default="embedded")
def model_prepare(name: str) -> None:
    """Assemble, verify and convert an embedded model once; print its folder.

    NAME is an embedded model or its alias: embedded (embedded/qwen2.5-coder-0.5b-instruct, the default) or
    embedded-1.5b (embedded/qwen2.5-coder-1.5b-instruct, from the embedded-judge extra).
    """
    from harness.models import EmbeddedModelError, check_model_name, ensure_embedded_model, resolve_model_name

    try:
        spec = check_model_name(resolve_model_name(name))
        click.echo(ensure_embedded_model(progress=True, spec=spec))
    except (ValueError, EmbeddedModelError) as err:
        raise click.ClickException(str(err)) from None


@model.command("tiny")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--kind", type=click.Choice(["causal-lm", "seq-cls"]), default="causal-lm", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def model_tiny(dest: Path, kind: str, seed: int) -> None:
    """Build a tiny random Qwen2 model (for smoke runs and tests; it knows nothing)."""
    from harness.models import build_tiny_qwen2

    click.echo(build_tiny_qwen2(dest, kind, seed=seed))  # type: ignore[arg-type]


@cli.command("judge-report")
@click.argument("logs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", default="reports", show_default=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--resamples", default=2000, show_default=True, type=click.IntRange(min=0), help="Bootstrap resamples.")
@click.option("--seed", "bootstrap_seed", default=None, type=int, help="Bootstrap seed (default: the fixed one).")
def judge_report(logs: tuple[Path, ...], out: Path, resamples: int, bootstrap_seed: int | None) -> None:
    """Reliability cards per judge from judge_agreement (and judge_probes) logs: LOGS are files or folders."""
    from harness.agreement import DEFAULT_SEED
    from harness.report import fmt_estimate, write_judge_report

    try:
        report = write_judge_report(
            logs, out, n_resamples=resamples, seed=DEFAULT_SEED if bootstrap_seed is None else bootstrap_seed
        )
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    for card in report.cards:
        figures = card["slices"]["all"]
        baseline = figures["baseline"]["figures"] if figures["baseline"] else {}
        click.echo(
            f"{card['card']:<28} accuracy {fmt_estimate(figures['judge']['figures']['accuracy'])}  "
            f"kappa {fmt_estimate(figures['judge']['figures']['kappa'])}  "
            f"(length rule {fmt_estimate(baseline.get('accuracy'))})  unscored {card['rows']['unscored']}"
        )
    for location, why in report.skipped:
        click.echo(f"skipped {location}: {why}", err=True)
    click.echo(f"wrote {len(report.cards)} cards; index {report.index}")


def main() -> None:
    """Console-script entry point."""
    cli()
