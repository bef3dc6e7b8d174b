"""The submission registry of a leaderboard: which logs were accepted, their hashes, and what was checked.

Kept at ``leaderboards/<benchmark>/submissions.json``. The first accepted log fixes the benchmark's configuration
(task, task version, prompt set, judges, judge models, principles); every later log must match it. A log enters
only through :func:`add_log`, which refuses with reasons; ``build`` re-hashes every registered file and drops any
whose bytes changed since it was added.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.hashing import sha256_file
from harness.leaderboard.logs import (
    LogReadError,
    LogRecord,
    RunConfig,
    check_leaderboard_log,
    config_differences,
    find_secrets,
    read_log,
    run_config,
)

REGISTRY_FILE = "submissions.json"
REGISTRY_SCHEMA_VERSION = 1
LOGS_FOLDER = "logs"
"""Where ``add`` copies accepted logs, inside the benchmark folder."""

CHECKS = ("readable", "finished", "samples", "judges", "consistent", "no_secrets", "configuration")
"""What ``add`` checks, in order; the registry records the list for each accepted log."""


class Refused(Exception):
    """A log was refused; ``reasons`` says why, one line each."""

    def __init__(self, log: str | Path, reasons: list[str]) -> None:
        self.log = str(log)
        self.reasons = reasons
        super().__init__(f"{log} refused: " + "; ".join(reasons))


@dataclass
class Registry:
    """The accepted logs of one benchmark.

    Attributes:
        folder: The benchmark folder (``leaderboards/<benchmark>``).
        benchmark: Its name.
        config: The configuration every log must match; None until the first log is accepted.
        submissions: One entry per accepted log: ``log`` (path relative to ``folder`` when inside it), ``name``,
            ``sha256``, ``model``, ``added_at``, ``checks``.
    """

    folder: Path
    benchmark: str
    config: RunConfig | None = None
    submissions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def path(self) -> Path:
        """The registry file."""
        return self.folder / REGISTRY_FILE

    @classmethod
    def load(cls, folder: str | Path, benchmark: str | None = None) -> Registry:
        """Read the registry of a benchmark folder; an absent file gives an empty registry."""
        folder = Path(folder)
        path = folder / REGISTRY_FILE
        if not path.is_file():
            return cls(folder=folder, benchmark=benchmark or folder.name)
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("schema_version") != REGISTRY_SCHEMA_VERSION:
            raise ValueError(f"{path}: unsupported registry schema_version {data.get('schema_version')!r}")
        config = RunConfig.from_dict(data["config"]) if data.get("config") else None
        return cls(folder=folder, benchmark=data["benchmark"], config=config, submissions=list(data["submissions"]))

    def save(self) -> None:
        """Write the registry atomically."""
        data = {
            "schema_version": REGISTRY_SCHEMA_VERSION,
            "benchmark": self.benchmark,
            "config": self.config.as_dict() if self.config else None,
            "submissions": self.submissions,
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".submissions-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        os.replace(tmp, self.path)

    def resolve(self, entry: dict[str, Any]) -> Path:
        """The file of a registered log."""
        path = Path(entry["log"])
        return path if path.is_absolute() else self.folder / path

    def verified_paths(self) -> tuple[list[tuple[Path, str]], list[dict[str, str]]]:
        """Registered logs whose bytes still hash to what was recorded.

        Returns:
            (the (path, sha256) of the intact logs, ``{"log", "reason"}`` for every missing or changed one).
        """
        intact, refused = [], []
        for entry in self.submissions:
            path = self.resolve(entry)
            if not path.is_file():
                refused.append({"log": entry["name"], "reason": f"registered log is missing ({entry['log']})"})
                continue
            sha = sha256_file(path)
            if sha != entry["sha256"]:
                refused.append(
                    {
                        "log": entry["name"],
                        "reason": f"tampered: sha256 is {sha[:12]}, {entry['sha256'][:12]} when it was added",
                    }
                )
                continue
            intact.append((path, sha))
        return intact, refused


def current_principles_sha256(name: str | None) -> str | None:
    """The content hash of the bundled principles ``name`` as installed, or None when it is not a bundled name."""
    if not name:
        return None
    from harness.principles.principles import bundled_principles, load_principles

    return load_principles(name).sha256 if name in bundled_principles() else None


def submission_problems(record: LogRecord, registry: Registry) -> list[str]:
    """Every reason to refuse ``record`` into ``registry``; empty when it may enter."""
    problems = check_leaderboard_log(record)
    if problems:
        return problems
    secrets = find_secrets(record.log)
    if secrets:
        problems.append(
            f"records what looks like a secret at {', '.join(secrets)}; remove it before submitting "
            "(a leaderboard publishes its logs)"
        )
    config = run_config(record)
    principles = (record.log.eval.metadata or {}).get("principles")
    installed = current_principles_sha256(principles)
    if installed is not None and config.principles_sha256 != installed:
        problems.append(
            f"principles {principles} hash {str(config.principles_sha256)[:12]}, "
            f"the installed {principles} hashes {installed[:12]}"
        )
    if registry.config is not None:
        differences = config_differences(registry.config, config)
        problems += [f"configuration differs from the benchmark's: {d}" for d in differences]
    if any(entry["sha256"] == record.sha256 for entry in registry.submissions):
        problems.append("already submitted (same sha256)")
    return problems


def add_log(path: str | Path, registry: Registry, copy: bool = True) -> tuple[dict[str, Any], bool]:
    """Check a log and register it.

    Args:
        path: The log file.
        registry: The benchmark's registry (saved on success).
        copy: Copy the log into ``<benchmark>/logs/`` (so the leaderboard can be rebuilt from the repository);
            otherwise register it where it is.

    Returns:
        (the registry entry, whether this log set the benchmark's configuration).

    Raises:
        Refused: With every reason the log cannot enter.
    """
    path = Path(path)
    try:
        record = read_log(path, full=True)
    except LogReadError as error:
        raise Refused(path, [str(error)]) from error
    problems = submission_problems(record, registry)
    if problems:
        raise Refused(path, problems)
    stored = path.resolve()
    if copy:
        target_dir = registry.folder / LOGS_FOLDER
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / path.name
        if target.resolve() != stored:
            if target.exists():
                raise Refused(path, [f"another log named {path.name} is already in {target_dir}"])
            shutil.copyfile(path, target)
            if sha256_file(target) != record.sha256:
                target.unlink()
                raise Refused(path, ["the log changed while it was being copied"])
        stored = target.resolve()
    sets_config = registry.config is None
    if sets_config:
        registry.config = run_config(record)
    entry = {
        "log": _relative(stored, registry.folder),
        "name": path.name,
        "sha256": record.sha256,
        "model": record.log.eval.model,
        "created": record.log.eval.created,
        "added_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "checks": list(CHECKS),
    }
    registry.submissions.append(entry)
    registry.save()
    return entry, sets_config


def _relative(path: Path, folder: Path) -> str:
    try:
        return path.relative_to(folder.resolve()).as_posix()
    except ValueError:
        return str(path)
