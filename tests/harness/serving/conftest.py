"""A real llama-server on loopback, serving the embedded model, for the served-path tests.

They need llama.cpp's ``llama-server`` built (``greetbench serve --prepare``, about 9 minutes once; CI builds it
first) and the embedded model's chunk packages; without either they are skipped with that message, unless
``GREETBENCH_REQUIRE_SERVER`` is set (CI), when they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import RunningServer, running_server

from harness.serving import cached_build

REQUIRE_ENV = "GREETBENCH_REQUIRE_SERVER"
"""Set (CI sets it): a missing llama-server build fails these tests instead of skipping them."""


@pytest.fixture(scope="session")
def llama_server_binary() -> Path:
    build = cached_build("baseline")
    if build is None:
        why = "llama-server is not built: run `greetbench serve --prepare` once (CI does)"
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{why}; {REQUIRE_ENV} is set")
        pytest.skip(why)
    return build.binary


@pytest.fixture(scope="session")
def embedded_gguf_file() -> Path:
    from harness.models import EmbeddedModelError, embedded_gguf

    try:
        return embedded_gguf(progress=False)
    except EmbeddedModelError as error:
        pytest.skip(f"the embedded model is not installed: {error}")


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
