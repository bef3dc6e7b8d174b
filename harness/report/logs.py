"""Finding and reading the Inspect logs a judge report is built from (through :mod:`harness.logs`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from inspect_ai.log import EvalLog

from harness.logs import read as logs_read
from harness.logs.read import log_file, read_header, read_samples

AGREEMENT_TASK = "greetbench/judge_agreement"
"""Task name of agreement logs (rows, verdicts, labels)."""

PROBES_TASK = "greetbench/judge_probes"
"""Task name of reliability-probe logs (read for their ``probe`` scorer's metrics)."""

REPORT_TASKS = (AGREEMENT_TASK, PROBES_TASK)


@dataclass(frozen=True)
class ReportLogs:
    """The logs a report reads, sorted by creation time (oldest first).

    Attributes:
        agreement: Successful ``greetbench/judge_agreement`` logs, with samples.
        probes: Successful ``greetbench/judge_probes`` logs (header only: results and task args).
        skipped: ``(location, why)`` for every log given that is not used (other task, not finished, unreadable).
    """

    agreement: tuple[EvalLog, ...]
    probes: tuple[EvalLog, ...]
    skipped: tuple[tuple[str, str], ...] = field(default=())


def log_path(log: EvalLog) -> Path:
    """The local file of a log (its ``location``, ``file://`` URLs included)."""
    return log_file(log.location)


def log_sha256(log: EvalLog) -> str | None:
    """SHA-256 (hex) of a log's file, or None when it is not a readable local file."""
    return logs_read.log_sha256(log.location)


def read_report_logs(paths: Iterable[str | Path]) -> ReportLogs:
    """Read the agreement and probe logs among files and folders (folders are searched recursively).

    Only successful logs of :data:`REPORT_TASKS` are used; every other log is listed in ``skipped`` with the
    reason, never silently ignored. Agreement logs are read with their whole samples; probe logs header only.

    Args:
        paths: ``.eval``/``.json`` log files and folders holding them.

    Returns:
        The logs, oldest first within each kind.

    Raises:
        FileNotFoundError: A path does not exist.
    """
    agreement, probes, skipped = [], [], []
    for path in logs_read.expand_log_paths(paths):
        location = str(path)
        try:
            header = read_header(location)
        except Exception as err:  # a corrupt or foreign file: say so and go on with the others
            skipped.append((location, f"unreadable: {err}"))
            continue
        if header.eval.task not in REPORT_TASKS:
            skipped.append((location, f"task {header.eval.task} is not a judge report task"))
        elif header.status != "success":
            skipped.append((location, f"status {header.status}"))
        elif header.eval.task == AGREEMENT_TASK:
            agreement.append(header.model_copy(update={"samples": read_samples(location, header, True, "id")}))
        else:
            probes.append(header)
    key = lambda log: (log.eval.created, log.location)  # noqa: E731
    return ReportLogs(tuple(sorted(agreement, key=key)), tuple(sorted(probes, key=key)), tuple(skipped))
