"""The served model's record: what ``greetbench serve`` started and where, read by ``--judge served``.

One JSON file in the cache (``<cache>/serve/served.json``), written when the server is healthy and removed when it
stops. It never holds an API key: only whether the server requires one.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from harness.paths import cache_dir

STATE_FILENAME = "served.json"

SERVICE = "greetbench"
"""The ``openai-api`` service name of a served model: Inspect then reads ``GREETBENCH_BASE_URL`` and
``GREETBENCH_API_KEY``."""


@dataclass(frozen=True)
class ServedState:
    """A running server, as ``greetbench serve`` recorded it.

    Attributes:
        backend: ``llama.cpp`` or ``vllm``.
        model: The model id the server answers to.
        source: The GGUF file or checkpoint it serves.
        base_url: OpenAI-compatible base URL (``http://127.0.0.1:<port>/v1``).
        supervisor_pid: The ``greetbench serve`` process (``--stop`` signals it).
        server_pid: The server process.
        parallel: Requests it decodes at once (its slots; clients keep twice this many in flight).
        api_key_required: Whether requests must carry ``GREETBENCH_API_KEY``.
        log: The server's log file.
        build: The llama.cpp build kind (None for vLLM).
    """

    backend: str
    model: str
    source: str
    base_url: str
    supervisor_pid: int
    server_pid: int
    parallel: int
    api_key_required: bool
    log: str
    build: str | None = None

    @property
    def inspect_model(self) -> str:
        """The Inspect model name that reaches this server through the ``openai-api`` provider."""
        return f"openai-api/{SERVICE}/{self.model}"


def state_path() -> Path:
    """Where the served model's record lives."""
    return cache_dir("serve") / STATE_FILENAME


def write_state(state: ServedState, path: Path | None = None) -> Path:
    """Write the record atomically (a reader never sees half of it)."""
    path = path or state_path()
    handle, temp = tempfile.mkstemp(prefix=".served-", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(asdict(state), out, indent=2)
    os.replace(temp, path)
    return path


def read_state(path: Path | None = None) -> ServedState | None:
    """The record, or None when there is none.

    Raises:
        ValueError: The file exists but is not a record (the message names it).
    """
    path = path or state_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ServedState(**data)
    except FileNotFoundError:
        return None
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{path}: not a served-model record ({error}); remove it or run `greetbench serve --stop`"
        ) from None


def remove_state(supervisor_pid: int | None = None, path: Path | None = None) -> None:
    """Remove the record; with ``supervisor_pid``, only if it is that supervisor's (a newer server's stays)."""
    path = path or state_path()
    if supervisor_pid is not None:
        try:
            current = read_state(path)
        except ValueError:
            current = None
        if current is not None and current.supervisor_pid != supervisor_pid:
            return
    path.unlink(missing_ok=True)
