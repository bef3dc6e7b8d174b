"""The ``greetbench data`` command group: fetch the pinned upstream files, check a data folder."""

from __future__ import annotations

import json
from pathlib import Path

import click

from harness.data.errors import DataError
from harness.data.report import check_data_dir
from harness.data.sources import (
    DATA_DIR_ENV,
    UPSTREAM_COMMIT,
    UPSTREAM_FILES,
    UPSTREAM_REPO,
    DataFiles,
    FetchProgress,
    fetch_upstream,
    resolve_data_dir,
    upstream_base_url,
)

#: Shown when no data folder can be found.
NO_DATA_DIR_MESSAGE = (
    f"no data folder found: pass --data-dir DIR, set ${DATA_DIR_ENV} to a folder with the upstream dataset/ "
    "layout, or run `greetbench data fetch` to download the pinned upstream files."
)


data_dir_option = click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help=f"Data folder (default: ${DATA_DIR_ENV}, else the fetched cache).",
)
"""The ``--data-dir`` option of the commands that read a data folder."""


@click.group(name="data")
def data() -> None:
    """Fetch and check the greeting data set (the paper's dataset/ folder)."""


@data.command(name="fetch")
@click.option(
    "--dest",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to fill (default: the greetbench cache, data/<commit>).",
)
@click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="Fetch from a mirror of the dataset/ folder (http(s):// or file://); hashes are still checked.",
)
def fetch_command(dest: Path | None, base_url: str | None) -> None:
    """Download the pinned upstream files once, verifying each SHA-256."""
    source = base_url or upstream_base_url()
    click.echo(f"fetching {len(UPSTREAM_FILES)} files of {UPSTREAM_REPO} at {UPSTREAM_COMMIT} from {source}")

    def report(event: FetchProgress) -> None:
        verb = "already present" if event.status == "present" else "downloaded"
        click.echo(f"  {event.relpath}: {verb}, {event.size:,} bytes, SHA-256 ok")

    try:
        root = fetch_upstream(dest, base_url=base_url, progress=report)
    except (DataError, OSError) as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"data in {root}")


@data.command(name="check")
@data_dir_option
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the report as JSON to this file.",
)
def check_command(data_dir: Path | None, json_path: Path | None) -> None:
    """Validate every file and print counts, duplicates, conflicts, contamination and the length baseline."""
    try:
        root = resolve_data_dir(data_dir)
        if root is None:
            raise click.ClickException(NO_DATA_DIR_MESSAGE)
        report = check_data_dir(DataFiles(root))
    except DataError as err:
        raise click.ClickException(str(err)) from None
    click.echo(report.to_markdown(), nl=False)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        click.echo(f"\nJSON report written to {json_path}")


@data.command(name="verl-parquet")
@data_dir_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write.")
def verl_parquet_command(data_dir: Path | None, out: Path) -> None:
    """Write the GRPO prompts for verl with the bare request in each row (train.parquet, test.parquet)."""
    from harness.data.verl_parquet import write_verl_parquet

    try:
        root = resolve_data_dir(data_dir)
        if root is None:
            raise click.ClickException(NO_DATA_DIR_MESSAGE)
        written = write_verl_parquet(DataFiles(root), out)
    except DataError as err:
        raise click.ClickException(str(err)) from None
    for split, path in written.items():
        click.echo(f"{split}: {path}")
