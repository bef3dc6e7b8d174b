"""``greetbench leaderboard``: build, add (submissions) and publish."""

from __future__ import annotations

import dataclasses
import shutil
import sys
import tempfile
from pathlib import Path

import click

from harness.leaderboard import DEFAULT_BENCHMARK, DEFAULT_ROOT

EXIT_REFUSED = 1
EXIT_BROKEN_JUDGE = 3
"""Exit status of ``build --strict`` / ``publish --strict`` when a null model outranks a real model."""

_benchmark = click.option(
    "--benchmark", default=DEFAULT_BENCHMARK, show_default=True, help="Leaderboard name (its folder under --root)."
)
_root = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_ROOT,
    show_default=True,
    help="Folder of all leaderboards.",
)
_logs = click.argument("logs", nargs=-1, type=click.Path(exists=True, path_type=Path))


def _build_options(command):  # noqa: ANN001, ANN202 (a click decorator stack)
    for option in reversed(
        [
            _logs,
            _benchmark,
            _root,
            click.option(
                "--registry/--no-registry",
                default=True,
                show_default=True,
                help="Also take the logs accepted with `leaderboard add` (<root>/<benchmark>/submissions.json).",
            ),
            click.option(
                "--cards",
                type=click.Path(exists=True, file_okay=False, path_type=Path),
                help="Folder of judge reliability cards (<judge>.md, from `greetbench judge-report`); linked when "
                "present. Without it, the cards the existing board links are kept.",
            ),
            click.option(
                "--rank-by",
                help="Judge to rank by, or <judge>_lc for its length-controlled rate (default: panel, else the "
                "first non-baseline judge).",
            ),
            click.option("--samples", type=int, default=None, help="Most samples per run in the page's browser."),
            click.option(
                "--strict", is_flag=True, help=f"Exit {EXIT_BROKEN_JUDGE} when a null model outranks a real model."
            ),
        ]
    ):
        command = option(command)
    return command


@click.group()
def leaderboard() -> None:
    """Leaderboards built from Inspect logs (json, csv, md and a static html page)."""


@leaderboard.command("build")
@_build_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: <root>/<benchmark>).",
)
def build(
    logs: tuple[Path, ...],
    benchmark: str,
    root: Path,
    registry: bool,
    cards: Path | None,
    rank_by: str | None,
    samples: int | None,
    strict: bool,
    out: Path | None,
) -> None:
    """Tabulate LOGS (files or folders) and the registered submissions into leaderboard.{json,csv,md} and
    index.html.

    Runs are ranked together only when task version, prompt set, judge models and principles agree; other runs
    are listed apart with the reason. Null models must rank last under every judge: when one does not, the build
    says which judge is broken.
    """
    board = _build(logs, benchmark, root, registry, cards, rank_by)
    from harness.leaderboard.render import write_leaderboard

    target = out or root / benchmark
    if cards is None:
        board = _keep_cards(board, target)
    paths = write_leaderboard(board, target, sample_limit=samples)
    _report(board)
    click.echo(f"wrote {', '.join(str(p) for p in paths.values())}")
    _sanity(board, strict)


@leaderboard.command("add")
@click.argument("logs", nargs=-1, required=True, type=click.Path(path_type=Path))
@_benchmark
@_root
@click.option(
    "--copy/--no-copy",
    default=True,
    show_default=True,
    help="Copy accepted logs into <root>/<benchmark>/logs/ (else register them where they are).",
)
def add(logs: tuple[Path, ...], benchmark: str, root: Path, copy: bool) -> None:
    """Check LOGS and register those that pass: finished without error, this greetbench's task version, the
    benchmark's judge configuration, and untampered (results recomputed from the samples match the header)."""
    from harness.leaderboard.submissions import Refused, Registry, add_log

    registry = Registry.load(root / benchmark, benchmark)
    refused = 0
    for log in logs:
        try:
            entry, sets_config = add_log(log, registry, copy=copy)
        except Refused as refusal:
            refused += 1
            click.secho(f"refused {log}:", fg="red", err=True)
            for reason in refusal.reasons:
                click.echo(f"  - {_plain(reason)}", err=True)
            continue
        click.echo(f"added {log} ({_plain(entry['model'])}, sha256 {entry['sha256'][:12]}) as {entry['log']}")
        if sets_config:
            config = registry.config
            assert config is not None
            click.echo(
                f"  this first log sets the benchmark's configuration: {config.task} v{config.task_version}, "
                f"prompts {config.prompt_set} ({config.prompt_count}), judges {', '.join(config.judges)}, judge models "
                f"{', '.join(f'{k}={v}' for k, v in config.judge_models.items())}, principles "
                f"{(config.principles_sha256 or 'none')[:12]}"
            )
    click.echo(f"{len(logs) - refused} added, {refused} refused; registry {registry.path}")
    if refused:
        sys.exit(EXIT_REFUSED)


@leaderboard.command("publish")
@_build_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Site folder to write (upload it as is to any static host).",
)
@click.option(
    "--bundle-logs", is_flag=True, help="Also bundle the ranked logs with Inspect's viewer (`inspect view bundle`)."
)
def publish(
    logs: tuple[Path, ...],
    benchmark: str,
    root: Path,
    registry: bool,
    cards: Path | None,
    rank_by: str | None,
    samples: int | None,
    strict: bool,
    out: Path,
    bundle_logs: bool,
) -> None:
    """Write the leaderboard as a static site in OUT: the four outputs, the judges' cards, and optionally the logs
    in Inspect's viewer (OUT/logs/)."""
    from harness.leaderboard.render import write_leaderboard

    board = _build(logs, benchmark, root, registry, cards, rank_by)
    if cards is None:
        board = _keep_cards(board, root / benchmark)
    out.mkdir(parents=True, exist_ok=True)
    if any(board.cards.values()):
        card_dir = out / "cards"
        card_dir.mkdir(exist_ok=True)
        copied: dict[str, dict[str, Path]] = {}
        for group, cards_of_group in board.cards.items():
            for judge, card in cards_of_group.items():
                for companion in card.parent.glob(f"{card.stem}*"):  # the card's plot and JSON
                    if companion.is_file():
                        shutil.copyfile(companion, card_dir / companion.name)
                copied.setdefault(group, {})[judge] = card_dir / card.name
        board = dataclasses.replace(board, cards=copied)
    viewer = None
    if bundle_logs:
        _bundle(board, out / "logs")
        viewer = "logs/index.html"
    paths = write_leaderboard(board, out, sample_limit=samples, viewer=viewer)
    (out / ".nojekyll").write_text("", encoding="utf-8")
    _report(board)
    click.echo(f"site in {out}: {', '.join(p.name for p in paths.values())}{' + logs/' if viewer else ''}")
    _sanity(board, strict)


def _build(logs: tuple[Path, ...], benchmark: str, root: Path, registry: bool, cards: Path | None, rank_by: str | None):  # noqa: ANN202
    from harness.leaderboard.build import BuildInputs, build_leaderboard

    try:
        return build_leaderboard(
            BuildInputs(logs=logs, benchmark=benchmark, root=root, use_registry=registry),
            cards_dir=cards,
            rank_by=rank_by,
        )
    except ValueError as error:
        raise click.UsageError(str(error)) from error


def _keep_cards(board, board_dir: Path):  # noqa: ANN001, ANN202 (a Leaderboard; its module loads lazily)
    """The board with the card links of the existing board in ``board_dir`` (a build without ``--cards``)."""
    from harness.leaderboard.linked_cards import linked_cards

    kept = linked_cards(board_dir, board.groups)
    count = sum(len(cards) for cards in kept.values())
    if count:
        click.echo(f"kept {count} card link(s) of {board_dir / 'leaderboard.json'} (--cards DIR replaces them)")
    return dataclasses.replace(board, cards=kept)


def _bundle(board, target: Path) -> None:  # noqa: ANN001
    from inspect_ai.log import bundle_log_dir

    ranked = set(board.table["log_sha256"].to_list())
    with tempfile.TemporaryDirectory(prefix="greetbench-bundle-") as tmp:
        for sha, path in board.log_paths.items():
            if sha in ranked:
                shutil.copyfile(path, Path(tmp) / path.name)
        bundle_log_dir(log_dir=tmp, output_dir=str(target), overwrite=True)


def _plain(text: object) -> str:
    """Text from a log made safe for a terminal: control characters (escape sequences) shown as \\x.."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in str(text))


def _report(board) -> None:  # noqa: ANN001
    from harness.leaderboard.render import fmt, rate_text

    for group in board.groups:
        title = "leaderboard" if group.primary else f"listed apart ({group.id}): {group.reason}"
        click.echo(f"\n{title}\n  ranked by {group.ranked_by}")
        for row in board.group_rows(group).iter_rows(named=True):
            rate, ci = rate_text(row, group.ranked_by) if group.ranked_by else ("–", "")
            kind = f" [{row['kind']}]" if row["kind"] != "submission" else ""
            click.echo(f"  {fmt(row['rank']):>4}  {rate} {ci:<16}  {_plain(row['model'])}{kind}")
    for item in board.excluded:
        click.secho(f"excluded {_plain(item['log'])}: {_plain(item['reason'])}", fg="yellow", err=True)
    for item in board.superseded:
        click.echo(f"superseded {_plain(item['log'])} ({_plain(item['model'])}) by {_plain(item['by'])}")
    click.echo("")


def _sanity(board, strict: bool) -> None:  # noqa: ANN001
    if board.unchecked:
        click.secho(
            f"note: no null model beside a real model in group(s) {', '.join(board.unchecked)}: "
            "judge sanity unchecked there",
            fg="yellow",
            err=True,
        )
    if not board.sanity:
        return
    bar = "!" * 100
    click.secho(bar, fg="red", bold=True, err=True)
    click.secho("BROKEN JUDGE: a null model outranks a real model", fg="red", bold=True, err=True)
    for violation in board.sanity:
        where = "" if violation["group"] == "main" else f" [group {violation['group']}]"
        click.secho(f"  {_plain(violation['message'])}{where}", fg="red", bold=True, err=True)
    click.secho(bar, fg="red", bold=True, err=True)
    if strict:
        sys.exit(EXIT_BROKEN_JUDGE)
