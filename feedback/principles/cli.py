"""``greetbench optimize-principles``: the command over :func:`feedback.principles.run.optimize_principles`."""

from __future__ import annotations

from pathlib import Path

import click

from harness.errors import UserInputError

DEFAULT_RUN_ROOT = Path("runs/optimize-principles")


@click.command("optimize-principles")
@click.option("--optimizer", type=click.Choice(["adversarial", "gepa"]), default="adversarial", show_default=True)
@click.option(
    "--run",
    "run_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run folder (default runs/optimize-principles/<optimizer>); an existing run with the same settings resumes.",
)
@click.option("--principles", default="detector-v1", show_default=True, help="Starting rules: bundled name or YAML.")
@click.option("--model", default="embedded", show_default=True, help="Model of every role not set by --role.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    metavar="ROLE=MODEL",
    help="A role's model: generator, detector, reflector or optimizer (repeatable).",
)
@click.option("--rows", type=click.IntRange(min=2), default=40, show_default=True, help="Train + validation rows.")
@click.option("--test-rows", type=click.IntRange(min=0), default=100, show_default=True, help="Report rows (0: all).")
@click.option("--iterations", type=click.IntRange(min=0), default=3, show_default=True)
@click.option(
    "--adversarial", type=click.IntRange(min=0), default=4, show_default=True, help="Flawed greetings per iteration."
)
@click.option("--budget", type=click.IntRange(min=1), help="Judge calls (both optimizers; default: the loop's own).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--judge-reason/--verdict-only", default=False, show_default=True, help="Detector asks for a reason.")
@click.option("--name", default="optimized", show_default=True, help="The written principles' name.")
@click.option("--data-dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def optimize_principles_command(
    optimizer: str,
    run_dir: Path | None,
    principles: str,
    model: str,
    roles: tuple[str, ...],
    rows: int,
    test_rows: int,
    iterations: int,
    adversarial: int,
    budget: int | None,
    seed: int,
    judge_reason: bool,
    name: str,
    data_dir: Path | None,
) -> None:
    """Optimize the principle judge's rules (the paper's Path B, or GEPA) and report them on the test split.

    Writes <run>/principles.yaml (load it with --principles), report.md/json, every role's output (calls.jsonl)
    and each iteration's state; a killed run resumes where it stopped when rerun with the same settings.
    """
    import anyio

    from feedback.principles.adversarial import LoopSettings
    from feedback.principles.roles import ROLES
    from feedback.principles.run import OptimizeSettings, optimize_principles
    from harness.data import resolve_data_dir
    from harness.data.commands import NO_DATA_DIR_MESSAGE
    from harness.models import EMBEDDED_MODEL, ensure_embedded_model, resolve_model_name

    root = resolve_data_dir(data_dir)
    if root is None:
        raise UserInputError(NO_DATA_DIR_MESSAGE)
    bad = [r for r in roles if "=" not in r]
    if bad:
        raise UserInputError(f"--role expects ROLE=MODEL, got {bad[0]!r}")
    overrides = {role: resolve_model_name(m) for role, m in (r.split("=", 1) for r in roles)}
    unknown = sorted(set(overrides) - set(ROLES))
    if unknown:  # before the embedded model is made ready: a typo must not cost a conversion
        raise UserInputError(f"--role {unknown[0]}: no such role (roles: {', '.join(ROLES)})")
    settings = OptimizeSettings(
        optimizer=optimizer,  # type: ignore[arg-type]
        principles=principles,
        model=resolve_model_name(model),
        roles=overrides,
        rows=rows,
        test_rows=test_rows,
        loop=LoopSettings(iterations=iterations, adversarial=adversarial, budget=budget, seed=seed),
        judge_reason=judge_reason,
        name=name,
    )
    if EMBEDDED_MODEL in (settings.model, *overrides.values()):
        ensure_embedded_model(progress=True)
    run = run_dir or DEFAULT_RUN_ROOT / optimizer
    try:
        result = anyio.run(optimize_principles, settings, run, root)
    except (ValueError, FileNotFoundError) as error:
        raise UserInputError(error) from None
    click.echo(result.markdown)
    click.echo(f"judge calls {result.judge_calls} (with the report: {result.report['judge_calls_with_report']})")
    click.echo(f"principles {result.principles.path}  (sha256 {result.principles.sha256[:12]})")
    click.echo(f"use it: greetbench eval --principles {result.principles.path}")
