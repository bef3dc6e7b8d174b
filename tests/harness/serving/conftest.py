"""A real llama-server on loopback, serving the embedded model, for the served-path tests.

They need llama.cpp's ``llama-server`` built (``greetbench serve --prepare``, about 4-9 minutes once; CI builds it
first) and the embedded model's chunk packages; without either they are skipped with that message.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.serving import LOOPBACK, cached_build, free_port, llama_server_command, start_process, stop_process
from harness.serving.backends import KEY_ENV
from harness.serving.process import wait_healthy


@pytest.fixture(scope="session")
def llama_server_binary() -> Path:
    build = cached_build("baseline")
    if build is None:
        pytest.skip("llama-server is not built: run `greetbench serve --prepare` once (CI does)")
    return build.binary


@pytest.fixture(scope="session")
def embedded_gguf_file() -> Path:
    from harness.models import EmbeddedModelError, embedded_gguf

    try:
        return embedded_gguf(progress=False)
    except EmbeddedModelError as error:
        pytest.skip(f"the embedded model is not installed: {error}")


@dataclass
class RunningServer:
    """A started llama-server: its process, port, base URL and log."""

    process: object
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


@pytest.fixture(scope="module")
def shared_server(
    llama_server_binary: Path, embedded_gguf_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """One server for a test module's healthy-path tests."""
    log = tmp_path_factory.mktemp("server") / "llama-server.log"
    with running_server(llama_server_binary, embedded_gguf_file, log) as server:
        yield server


@pytest.fixture
def no_inherited_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GREETBENCH_API_KEY", "GREETBENCH_BASE_URL", "LLAMA_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert "GREETBENCH_API_KEY" not in os.environ
