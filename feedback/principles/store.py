"""A run folder that survives a kill: every finished role call and every finished iteration is on disk.

Layout::

    <run>/config.json                 the settings (a rerun with other settings is refused)
    <run>/calls.jsonl                 every role call: key, role, iteration, raw output, what was read or the error
    <run>/iterations/<nnn>.json       an iteration's state (S_G, S_D, validation agreement, judge calls), once done
    <run>/principles.yaml             the chosen rule set, with its lineage
    <run>/report.json, report.md      test-split agreement before and after

A call is appended (and flushed to disk) as soon as it returns, under a key that names what it was for; a resumed
run replays it instead of calling the model again, so nothing finished is redone and the run goes on exactly where
it stopped. A last line cut short by a kill is cut off (that call is made again); a damaged line before it is
an error naming the file and line (:mod:`feedback.run_files`, shared with make-preferences).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from feedback.run_files import RunFolderError, append_line, read_lines, repair_torn_tail, write_text_atomically
from harness.errors import UserInputError

CONFIG = "config.json"
CALLS = "calls.jsonl"
ITERATIONS = "iterations"


class RunStore:
    """One optimization run's folder.

    Args:
        folder: The run folder (created when absent).
        config: The run's settings; must equal those of an existing run in ``folder``.

    Raises:
        UserInputError: ``folder`` holds a run made with other settings (the message names the first field).
    """

    def __init__(self, folder: Path, config: dict[str, Any]) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        config_path = folder / CONFIG
        if config_path.is_file():
            previous = json.loads(config_path.read_text(encoding="utf-8"))
            changed = [key for key in sorted(set(previous) | set(config)) if previous.get(key) != config.get(key)]
            if changed:
                raise UserInputError(
                    f"{config_path}: this run was made with other settings ({changed[0]}: "
                    f"{previous.get(changed[0])!r} there, {config.get(changed[0])!r} now); use another --run folder"
                )
        else:
            _write_json(config_path, config)
        self.config = config
        calls_path = folder / CALLS
        self.dropped_lines = int(repair_torn_tail(calls_path) > 0)  # the call a kill cut short is made again
        try:
            self.calls = {record["key"]: record for record in read_lines(calls_path)}
        except RunFolderError as error:  # damage before the last line: the file was edited
            raise UserInputError(error) from None
        self.replayed = 0

    async def call(self, key: str, make: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
        """The record of the call ``key``: replayed from disk when it finished before, else made and appended.

        Args:
            key: What the call is for (unique within the run; the same key always means the same call).
            make: Makes the call and returns its JSON-ready record (``role``, ``output``, ``read`` or ``error``).
        """
        if key in self.calls:
            self.replayed += 1
            return self.calls[key]
        record = {"key": key, **await make()}
        self.calls[key] = record
        append_line(self.folder / CALLS, record)
        return record

    def finished_iterations(self) -> list[dict[str, Any]]:
        """The states of the finished iterations, in order (an iteration is finished once its file is written)."""
        folder = self.folder / ITERATIONS
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]

    def finish_iteration(self, state: dict[str, Any]) -> Path:
        """Write an iteration's state atomically; from now on a resumed run starts after it."""
        return _write_json(self.folder / ITERATIONS / f"{state['iteration']:03d}.json", state)

    def write_json(self, name: str, data: Any) -> Path:
        """Write a JSON file into the run folder, atomically."""
        return _write_json(self.folder / name, data)


def _write_json(path: Path, data: Any) -> Path:
    write_text_atomically(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return path
