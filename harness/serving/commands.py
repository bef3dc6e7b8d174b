"""``greetbench serve``: a model behind an OpenAI-compatible server on loopback, for ``--judge served``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import click

from harness.serving.backends import BACKENDS
from harness.serving.client import API_KEY_ENV, BASE_URL_ENV
from harness.serving.llama_cpp_build import BUILD_KINDS, LlamaCppBuildError
from harness.serving.process import LOOPBACK, ServerStartError, log_tail, pid_alive
from harness.serving.serve import READY_TIMEOUT, ServeError, ServeRequest, serve, stop_served
from harness.serving.state import ServedState, read_state, state_path


def _ready_lines(state: ServedState) -> str:
    key = f"; requests need ${API_KEY_ENV}" if state.api_key_required else ""
    return (
        f"serving {state.model} ({state.backend}{f', {state.build} build' if state.build else ''}, "
        f"{state.parallel} at once{key}) at {state.base_url}\n"
        f"  greetbench eval --judge served          # or --model served; any greetbench model option takes 'served'\n"
        f"  inspect eval ... --model-role judge={state.inspect_model}   # with:\n"
        f"  export {BASE_URL_ENV}={state.base_url}\n"
        f"stop it with: greetbench serve --stop (log {state.log})"
    )


@click.command("serve")
@click.argument("model", default="embedded")
@click.option("--backend", type=click.Choice(BACKENDS), help="Default: vllm with a GPU and vLLM here, else llama.cpp.")
@click.option(
    "--build",
    type=click.Choice(BUILD_KINDS),
    default="baseline",
    show_default=True,
    help="llama.cpp build: baseline (AVX2, one binary) or variants (CPU variants chosen at run time).",
)
@click.option("--host", default=LOOPBACK, show_default=True, help="Listen address; beyond loopback needs a key.")
@click.option("--port", type=click.IntRange(1, 65535), help="Default: a free port.")
@click.option("--parallel", type=click.IntRange(min=1), help="Requests decoded at once (default 4 llama.cpp, 64 vLLM).")
@click.option("--threads", type=click.IntRange(min=1), help="llama.cpp compute threads (default: physical cores).")
@click.option("--detach", is_flag=True, help="Return once the server is up, leaving it running in the background.")
@click.option("--stop", is_flag=True, help="Stop the server `greetbench serve` started.")
@click.option("--status", is_flag=True, help="Print the running server's record and exit (1 when none).")
@click.option("--prepare", is_flag=True, help="Only build llama-server (and join the model's GGUF); cached.")
def serve_command(model: str, detach: bool, stop: bool, status: bool, prepare: bool, **options: object) -> None:
    """Serve MODEL (default: the embedded model) with an OpenAI-compatible server on loopback.

    MODEL is `embedded`, `embedded-1.5b`, a .gguf file (llama.cpp), or a checkpoint folder or model name (vLLM).
    On CPU llama.cpp's llama-server runs, built once from the llama-cpp-python source on PyPI (about 9 minutes on
    2 cores); on a GPU with vLLM installed, `vllm serve`. When ready it prints the model's Inspect name and base URL
    and records them, so that `--judge served` / `--model served` reach it. Set GREETBENCH_API_KEY to require a
    key. The server stops with this command (Ctrl-C, `greetbench serve --stop`, or its death).
    """
    if stop:
        stopped = stop_served()
        click.echo(f"stopped {stopped.model} at {stopped.base_url}" if stopped else "no server was running")
        return
    if status:
        state = read_state()
        if state is None or not pid_alive(state.supervisor_pid):
            click.echo("no server is running")
            sys.exit(1)
        click.echo(_ready_lines(state))
        return
    request = ServeRequest(model=model, **options)  # type: ignore[arg-type]
    try:
        if prepare:
            _prepare(request)
        elif detach:
            _detach(request)
        else:
            sys.exit(serve(request, on_ready=lambda state: click.echo(_ready_lines(state), nl=True)))
    except (ServeError, ServerStartError, LlamaCppBuildError) as error:
        raise click.ClickException(str(error)) from None


def _prepare(request: ServeRequest) -> None:
    from harness.serving.serve import llama_server_folder, model_source

    source, _ = model_source(request.model, "llama.cpp")
    build = llama_server_folder(request.build, source)
    click.echo(f"{build.binary} ({build.kind}, built in {build.seconds / 60:.1f} min); model {source}")


def _detach(request: ServeRequest) -> None:
    """Run this command without --detach in a new session, and return once it recorded a healthy server."""
    argv = [
        sys.executable,
        "-m",
        "greetbench",
        "serve",
        request.model,
        "--build",
        request.build,
        "--host",
        request.host,
    ]
    for flag, value in (("--backend", request.backend), ("--port", request.port), ("--parallel", request.parallel),
                        ("--threads", request.threads)):  # fmt: skip
        if value is not None:
            argv += [flag, str(value)]
    log = state_path().parent / "serve-detached.log"
    with open(log, "wb") as out:
        child = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 start_new_session=True, env=os.environ.copy())  # fmt: skip
    deadline = time.monotonic() + READY_TIMEOUT + 900  # a first run builds llama-server before it starts
    while time.monotonic() < deadline:
        state = read_state()
        if state is not None and state.supervisor_pid == child.pid:
            click.echo(_ready_lines(state))
            return
        if child.poll() is not None:
            raise click.ClickException(
                f"serve exited with status {child.returncode}; log {log}:\n{log_tail(Path(log))}"
            )
        time.sleep(0.5)
    child.terminate()
    raise click.ClickException(f"the server was not up in time; log {log}")
