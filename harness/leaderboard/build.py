"""Building a leaderboard: gather logs (arguments and the submission registry), check them, tabulate them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.hashing import sha256_file
from harness.leaderboard import DEFAULT_BENCHMARK, DEFAULT_ROOT
from harness.leaderboard.logs import LogReadError, check_leaderboard_log, read_log
from harness.leaderboard.submissions import Registry
from harness.leaderboard.table import Leaderboard, tabulate
from harness.logs.read import expand_log_paths


@dataclass(frozen=True)
class BuildInputs:
    """Where a build takes its logs from.

    Attributes:
        logs: Log files and folders given on the command line.
        benchmark: The leaderboard's name (its folder under ``root``).
        root: The folder holding every leaderboard.
        use_registry: Also take the logs accepted into ``<root>/<benchmark>/submissions.json``.
    """

    logs: Sequence[str | Path] = ()
    benchmark: str = DEFAULT_BENCHMARK
    root: Path = DEFAULT_ROOT
    use_registry: bool = True

    @property
    def folder(self) -> Path:
        """The benchmark's folder."""
        return Path(self.root) / self.benchmark


def build_leaderboard(
    inputs: BuildInputs,
    cards_dir: str | Path | None = None,
    rank_by: str | None = None,
) -> Leaderboard:
    """Read, check and tabulate every log of a build.

    Registered logs must still hash to what was recorded when they were added; every log must pass
    :func:`harness.leaderboard.logs.check_leaderboard_log`. A log given twice (same bytes) counts once. Logs that
    fail are listed in the result's ``excluded`` with the reason, never silently dropped.

    Raises:
        LogReadError: A named path does not exist.
        ValueError: Neither logs nor a registry with submissions.
    """
    excluded: list[dict[str, str]] = []
    candidates: list[tuple[Path, str, str]] = []  # (path, sha256, source)
    if inputs.use_registry:
        registry = Registry.load(inputs.folder, inputs.benchmark)
        intact, refused = registry.verified_paths()
        excluded += refused
        candidates += [(path, sha, "registry") for path, sha in intact]
    candidates += [(path, sha256_file(path), "argument") for path in expand_log_paths(inputs.logs)]
    if not candidates and not excluded:
        raise ValueError(
            f"no logs: name log files or folders, or add logs to {inputs.folder / 'submissions.json'} "
            "with `greetbench leaderboard add`"
        )
    records, sources, seen = [], {}, set()
    for path, sha, source in candidates:
        if sha in seen:
            continue
        seen.add(sha)
        try:
            record = read_log(path, sha256=sha)
        except LogReadError as error:
            excluded.append({"log": path.name, "sha256": sha, "reason": str(error).removeprefix(f"{path}: ")})
            continue
        problems = check_leaderboard_log(record)
        if problems:
            excluded.append({"log": path.name, "sha256": record.sha256, "reason": "; ".join(problems)})
            continue
        records.append(record)
        sources[record.sha256] = source
    return tabulate(records, inputs.benchmark, excluded=excluded, cards_dir=cards_dir, rank_by=rank_by, sources=sources)
