"""``greetbench serve``'s work: pick the backend and model file, start the server, wait for health, record it.

:func:`serve` runs in the foreground as the server's supervisor: it starts the server (which dies with it), waits
until ``/health`` answers, writes the record that ``--judge served`` reads, and waits; on SIGTERM or SIGINT, or when
the server dies, it stops the server and removes the record. :func:`stop_served` is ``greetbench serve --stop``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from harness.paths import cache_dir
from harness.serving.backends import (
    DEFAULT_PARALLEL,
    KEY_ENV,
    Backend,
    default_backend,
    llama_server_command,
    vllm_command,
)
from harness.serving.client import API_KEY_ENV
from harness.serving.llama_cpp_build import (
    BuildKind,
    LlamaServerBuild,
    ProbeResult,
    VariantProbe,
    ensure_llama_server,
    loaded_cpu_variant,
    runnable_variants_dir,
)
from harness.serving.process import (
    LOOPBACK,
    ServerStartError,
    free_port,
    log_tail,
    pid_alive,
    start_process,
    stop_process,
    wait_healthy,
)
from harness.serving.state import ServedState, read_state, remove_state, write_state

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

READY_TIMEOUT = 600.0
"""Seconds a server may take to load before ``serve`` gives up (vLLM compiles and captures graphs first)."""


class ServeError(RuntimeError):
    """A serve request that cannot be carried out; the message is one line naming the option at fault."""


@dataclass(frozen=True)
class ServeRequest:
    """What to serve and how.

    Attributes:
        model: ``embedded`` (or another embedded alias or name), a GGUF file, or (vLLM) a checkpoint folder or model
            name.
        backend: ``llama.cpp`` or ``vllm``; None picks vLLM when a GPU and vLLM are here, else llama.cpp.
        build: The llama.cpp build: ``baseline`` or ``variants`` (run-time selected CPU variants).
        host: Interface to listen on; loopback unless told otherwise (then an API key is required).
        port: TCP port; None picks a free one.
        parallel: Requests decoded at once (default: 4 for llama.cpp, 64 for vLLM).
        threads: llama.cpp compute threads (default: its own, the physical cores).
    """

    model: str = "embedded"
    backend: Backend | None = None
    build: BuildKind = "baseline"
    host: str = LOOPBACK
    port: int | None = None
    parallel: int | None = None
    threads: int | None = None


@dataclass
class _Stop:
    signum: int | None = None
    handlers: dict[int, object] = field(default_factory=dict)

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.signum = signum


def _embedded_spec(model: str):  # noqa: ANN202 - EmbeddedSpec, imported lazily
    from harness.models import SPECS, resolve_model_name

    name = resolve_model_name(model).removeprefix("embedded/")
    return next((spec for spec in SPECS if spec.name == name), None)


def model_source(model: str, backend: Backend, progress: bool = True) -> tuple[str, str]:
    """The file or folder a backend loads for ``model``, and the id it serves it as.

    Raises:
        ServeError: llama.cpp was given something other than a GGUF file or an embedded model, or a path is missing.
    """
    from harness.models import embedded_gguf, ensure_embedded_model

    spec = _embedded_spec(model)
    if spec is not None:
        loaded = (
            embedded_gguf(progress, spec=spec) if backend == "llama.cpp" else ensure_embedded_model(progress, spec=spec)
        )
        return str(loaded), spec.name
    path = Path(model).expanduser()
    if backend == "llama.cpp":
        if not path.is_file() or path.suffix != ".gguf":
            raise ServeError(
                f"MODEL {model}: llama.cpp serves a .gguf file or an embedded model (embedded, embedded-1.5b); "
                "serve a checkpoint folder with --backend vllm on a GPU"
            )
        return str(path.resolve()), path.stem.lower()
    if path.exists():
        return str(path.resolve()), path.name.lower()
    return model, model.rsplit("/", 1)[-1].lower()


def _variant_probe(gguf: str) -> VariantProbe:
    """A probe for :func:`runnable_variants_dir`: serve two tokens of ``gguf`` from a folder's ``llama-server``."""

    def probe(folder: Path) -> ProbeResult:
        port = free_port()
        log = folder.parent / f"{folder.name}.probe.log"
        command = llama_server_command(
            folder / "llama-server", Path(gguf), host=LOOPBACK, port=port, model_id="probe", parallel=1
        )
        process = start_process(command, log)
        variant = None
        try:
            wait_healthy(process, f"http://{LOOPBACK}:{port}", log, timeout=120)
            variant = loaded_cpu_variant(process.pid)
            body = json.dumps({"prompt": "你好", "n_predict": 2}).encode()
            request = urllib.request.Request(f"http://{LOOPBACK}:{port}/completion", data=body)
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
            return ProbeResult(None, variant)
        except (ServerStartError, OSError) as error:
            code = process.wait(10) if process.poll() is None else process.returncode
            why = f"killed by {signal.Signals(-code).name}" if code and code < 0 else str(error).splitlines()[0]
            return ProbeResult(why, variant)
        finally:
            stop_process(process)
            log.unlink(missing_ok=True)

    return probe


def llama_server_folder(build: BuildKind, gguf: str, progress: bool = True) -> LlamaServerBuild:
    """The llama.cpp build to run: built once; for ``variants``, without the CPU variants that die here."""
    built = ensure_llama_server(build, progress=progress)
    if build == "variants":
        folder = runnable_variants_dir(built, _variant_probe(gguf), progress=progress)
        return LlamaServerBuild(built.kind, folder, built.seconds)
    return built


def check_host(host: str, api_key: str | None) -> None:
    """Refuse to listen beyond loopback without an API key."""
    if host not in LOOPBACK_HOSTS and not api_key:
        raise ServeError(f"--host {host} listens beyond this machine: set {API_KEY_ENV} so that requests need a key")


def check_none_running() -> None:
    """Refuse to start a second server: there is one record, and a second would orphan the first one's."""
    try:
        running = read_state()
    except ValueError:
        return  # a damaged record is replaced by the new server's
    if running is not None and pid_alive(running.supervisor_pid):
        raise ServeError(
            f"{running.model} is already served at {running.base_url} (pid {running.supervisor_pid}); "
            "stop it first: greetbench serve --stop"
        )


def serve(
    request: ServeRequest,
    on_ready: Callable[[ServedState], None],
    progress: bool = True,
    ready_timeout: float = READY_TIMEOUT,
) -> int:
    """Start the server, wait until it is healthy, record it, call ``on_ready``, and supervise it until stopped.

    Returns when SIGTERM or SIGINT arrives (0) or when the server exits by itself (its status, or 1). Either way
    the server is stopped and the record removed.

    Raises:
        ServeError: Bad request (host without a key, a model llama.cpp cannot load), or a server is already
            running (its record would be overwritten and it would be left without one).
        ServerStartError: The server exited or stayed unhealthy while starting.
    """
    api_key = os.environ.get(API_KEY_ENV) or None
    check_host(request.host, api_key)
    check_none_running()
    backend = request.backend or default_backend(request.model)
    source, model_id = model_source(request.model, backend, progress)
    parallel = request.parallel or DEFAULT_PARALLEL[backend]
    port = request.port or free_port(request.host if request.host != "localhost" else LOOPBACK)
    if backend == "llama.cpp":
        build = llama_server_folder(request.build, source, progress)
        command = llama_server_command(
            build.binary, Path(source), host=request.host, port=port, model_id=model_id, parallel=parallel,
            threads=request.threads,
        )  # fmt: skip
    else:
        command = vllm_command(source, host=request.host, port=port, model_id=model_id, parallel=parallel)
    log = cache_dir("serve") / f"{backend}-{port}.log"
    log.write_text("", encoding="utf-8")
    stop = _Stop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        stop.handlers[signum] = signal.signal(signum, stop)
    process = start_process(command, log, env={KEY_ENV[backend]: api_key} if api_key else None)
    try:
        host = f"[{request.host}]" if ":" in request.host else request.host
        wait_healthy(process, f"http://{host}:{port}", log, ready_timeout)
        state = ServedState(
            backend=backend, model=model_id, source=source, base_url=f"http://{host}:{port}/v1",
            supervisor_pid=os.getpid(), server_pid=process.pid, parallel=parallel, api_key_required=bool(api_key),
            log=str(log), build=request.build if backend == "llama.cpp" else None,
        )  # fmt: skip
        write_state(state)
        on_ready(state)
        return _supervise(process, stop, log)
    finally:
        stop_process(process)
        remove_state(os.getpid())
        for signum, handler in stop.handlers.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]


def _supervise(process: subprocess.Popen[bytes], stop: _Stop, log: Path) -> int:
    while stop.signum is None:
        if process.poll() is not None:
            print(f"serve: the server exited with status {process.returncode}; log {log}:\n{log_tail(log)}")
            return process.returncode or 1
        time.sleep(0.5)
    return 0


def stop_served(timeout: float = 30.0) -> ServedState | None:
    """Stop the recorded server (``greetbench serve --stop``); return its record, or None when none was running.

    Signals the supervisor, which stops the server and removes the record; a supervisor that does not finish in
    ``timeout`` seconds is killed, and the kernel then stops its server (see :func:`start_process`). A stale record
    (its supervisor gone) is removed.
    """
    state = read_state()
    if state is None:
        return None
    if pid_alive(state.supervisor_pid):
        os.kill(state.supervisor_pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while pid_alive(state.supervisor_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid_alive(state.supervisor_pid):
            os.kill(state.supervisor_pid, signal.SIGKILL)
    remove_state(state.supervisor_pid)
    return state
