"""A real llama-server on loopback for tests, started the way ``greetbench serve`` starts it."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from harness.serving import LOOPBACK, free_port, llama_server_command, start_process, stop_process, wait_healthy
from harness.serving.backends import KEY_ENV


@dataclass
class RunningServer:
    """A started llama-server: its process, port, base URL and log."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.base}/v1"


@contextlib.contextmanager
def running_server(
    binary: Path, gguf: Path, log: Path, *, port: int | None = None, api_key: str | None = None, parallel: int = 4
) -> Iterator[RunningServer]:
    """llama-server as ``greetbench serve`` starts it, stopped afterwards."""
    port = port or free_port()
    command = llama_server_command(binary, gguf, host=LOOPBACK, port=port, model_id="embedded", parallel=parallel)
    process = start_process(command, log, env={KEY_ENV["llama.cpp"]: api_key} if api_key else None)
    try:
        wait_healthy(process, f"http://{LOOPBACK}:{port}", log, timeout=120)
        yield RunningServer(process, port, log)
    finally:
        stop_process(process)
