"""The run folder: every finished step of a preference run, written as it finishes, so a killed run loses nothing
finished and a rerun on the same folder does only what is left.

Layout::

    run.json                      what the samples depend on (policy, sampling settings); a rerun must match it
    samples.jsonl                 one line per request: its k candidates (written when all k are back)
    judgements/<judge key>.json   the judge's identity
    judgements/<judge key>.jsonl  one line per distinct (request, greeting) judged: verdict, P(good), trace, trace id
    sessions.jsonl                one line per finished phase of a session: wall time, items, calls

Each line is written whole with one ``write`` and flushed to disk (``fsync``) before the next step counts as done.
A kill can leave at most a torn last line (no newline, or no valid JSON); :meth:`RunFolder.open` cuts it off, so
the step it belonged to runs again. A bad line anywhere else means the file was edited, and is an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedback.run_files import (
    RunFolderError,
    append_line,
    read_lines,
    repair_torn_tail,
    write_text_atomically,
)

__all__ = ["RunFolder", "RunFolderError", "append_line", "read_lines", "repair_torn_tail", "write_text_atomically"]

SETTINGS_FILE = "run.json"
SAMPLES_FILE = "samples.jsonl"
JUDGEMENTS_DIR = "judgements"
SESSIONS_FILE = "sessions.jsonl"


@dataclass
class RunFolder:
    """A preference run's folder (see the module docstring).

    Attributes:
        path: The folder.
        repaired: Files whose torn last line was cut off when the folder was opened, with the bytes removed.
    """

    path: Path
    repaired: dict[str, int] = field(default_factory=dict)

    @classmethod
    def open(cls, path: str | Path, settings: dict[str, Any]) -> RunFolder:
        """Open (or create) a run folder for ``settings``, cutting off torn last lines.

        Args:
            path: The folder.
            settings: What the samples depend on (JSON-ready); a folder made with other settings is refused.

        Raises:
            RunFolderError: The folder was made with other settings (naming each key that differs), or its
                settings file is damaged.
        """
        folder = cls(Path(path))
        folder.path.mkdir(parents=True, exist_ok=True)
        (folder.path / JUDGEMENTS_DIR).mkdir(exist_ok=True)
        stored_path = folder.path / SETTINGS_FILE
        if stored_path.is_file():
            try:
                stored = json.loads(stored_path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as err:
                raise RunFolderError(f"{stored_path}: not valid JSON ({err.msg})") from None
            wanted = json.loads(json.dumps(settings))  # compare as JSON (tuples become lists)
            differ = sorted(key for key in set(stored) | set(wanted) if stored.get(key) != wanted.get(key))
            if differ:
                shown = "; ".join(f"{key}: folder {stored.get(key)!r}, asked {wanted.get(key)!r}" for key in differ)
                raise RunFolderError(
                    f"{stored_path}: this run folder was made with other settings ({shown}); use another run folder "
                    "or the same settings"
                )
        else:
            write_text_atomically(stored_path, json.dumps(settings, ensure_ascii=False, indent=1) + "\n")
        for jsonl in [folder.path / SAMPLES_FILE, folder.path / SESSIONS_FILE, *folder.judgement_files()]:
            removed = repair_torn_tail(jsonl)
            if removed:
                folder.repaired[str(jsonl)] = removed
        return folder

    def judgement_files(self) -> list[Path]:
        """Every judge's judgement file in the folder."""
        return sorted((self.path / JUDGEMENTS_DIR).glob("*.jsonl"))

    def samples(self) -> dict[str, dict[str, Any]]:
        """Finished samples by query id (a repeat, which only a hand edit could make, keeps the first)."""
        found: dict[str, dict[str, Any]] = {}
        for record in read_lines(self.path / SAMPLES_FILE):
            found.setdefault(record["query_id"], record)
        return found

    def add_samples(self, record: dict[str, Any]) -> None:
        """Record one request's finished samples."""
        append_line(self.path / SAMPLES_FILE, record)

    def judgements(self, judge_key: str) -> dict[str, dict[str, Any]]:
        """Finished judgements of one judge by trace id."""
        found: dict[str, dict[str, Any]] = {}
        for record in read_lines(self.path / JUDGEMENTS_DIR / f"{judge_key}.jsonl"):
            found.setdefault(record["trace_id"], record)
        return found

    def add_judgement(self, judge_key: str, record: dict[str, Any]) -> None:
        """Record one finished judgement."""
        append_line(self.path / JUDGEMENTS_DIR / f"{judge_key}.jsonl", record)

    def write_judge_identity(self, judge_key: str, identity: dict[str, Any]) -> None:
        """Write the judge's identity beside its judgements (once; it is what the key hashes)."""
        target = self.path / JUDGEMENTS_DIR / f"{judge_key}.json"
        if not target.is_file():
            write_text_atomically(target, json.dumps(identity, ensure_ascii=False, indent=1) + "\n")

    def sessions(self) -> list[dict[str, Any]]:
        """Every finished phase of every session, in order."""
        return read_lines(self.path / SESSIONS_FILE)

    def add_session(self, record: dict[str, Any]) -> None:
        """Record a finished phase of this session."""
        append_line(self.path / SESSIONS_FILE, record)
