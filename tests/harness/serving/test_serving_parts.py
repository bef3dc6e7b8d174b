"""Serving parts that need no server: command lines, the record, the client path, the child that dies with its
parent, and judges that count a failed call unscored."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from inspect_ai.model import Model

from harness.serving import (
    API_KEY_ENV,
    BASE_URL_ENV,
    LOOPBACK,
    ServedModelError,
    ServedState,
    cmake_args,
    free_port,
    llama_server_command,
    read_state,
    served_model_name,
    state_path,
    vllm_command,
)
from harness.serving.process import pid_alive
from harness.serving.serve import ServeError, check_host, model_source
from harness.serving.state import remove_state, write_state


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREETBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(BASE_URL_ENV, raising=False)
    monkeypatch.delenv(API_KEY_ENV, raising=False)


def _state(**changes: object) -> ServedState:
    fields: dict[str, object] = {
        "backend": "llama.cpp", "model": "qwen2.5-coder-0.5b-instruct", "source": "/m.gguf",
        "base_url": "http://127.0.0.1:8123/v1", "supervisor_pid": os.getpid(), "server_pid": os.getpid(),
        "parallel": 4, "api_key_required": False, "log": "/tmp/x.log", "build": "baseline",
    }  # fmt: skip
    fields.update(changes)
    return ServedState(**fields)  # type: ignore[arg-type]


def test_llama_server_command_sleeps_when_idle_and_holds_no_key() -> None:
    command = llama_server_command(
        Path("/b/llama-server"), Path("/m.gguf"), host=LOOPBACK, port=8123, model_id="m", parallel=4
    )
    assert command[command.index("--poll") + 1] == "0"  # llama.cpp's threads busy-poll by default
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--parallel") + 1] == "4"
    assert int(command[command.index("--ctx-size") + 1]) % 4 == 0
    assert "--no-webui" in command
    assert not any("key" in part.lower() for part in command)


def test_vllm_command_keeps_the_requests_sampling_and_gives_logprobs() -> None:
    command = vllm_command("./runs/grpo/model", host=LOOPBACK, port=9000, model_id="grpo", parallel=64)
    assert command[:3] == ["vllm", "serve", "./runs/grpo/model"]
    assert command[command.index("--generation-config") + 1] == "vllm"
    assert int(command[command.index("--max-logprobs") + 1]) >= 20
    assert command[command.index("--served-model-name") + 1] == "grpo"
    assert not any("key" in part.lower() for part in command)


def test_builds_never_bake_in_the_build_machines_instruction_set() -> None:
    for kind in ("baseline", "variants"):
        assert "-DGGML_NATIVE=OFF" in cmake_args(kind)  # type: ignore[arg-type]
    assert "-DGGML_CPU_ALL_VARIANTS=ON" in cmake_args("variants")
    assert "-DGGML_BACKEND_DL=ON" in cmake_args("variants")


def test_free_port_is_free_on_loopback() -> None:
    import socket

    port = free_port()
    with socket.socket() as sock:
        sock.bind((LOOPBACK, port))


def test_listening_beyond_loopback_needs_a_key() -> None:
    check_host("127.0.0.1", None)
    check_host("0.0.0.0", "secret")
    with pytest.raises(ServeError, match="GREETBENCH_API_KEY"):
        check_host("0.0.0.0", None)


def test_llama_cpp_serves_gguf_only(tmp_path: Path) -> None:
    folder = tmp_path / "checkpoint"
    folder.mkdir()
    with pytest.raises(ServeError, match="vllm"):
        model_source(str(folder), "llama.cpp")
    gguf = tmp_path / "My-Model.Q4.gguf"
    gguf.write_bytes(b"GGUF")
    assert model_source(str(gguf), "llama.cpp") == (str(gguf.resolve()), "my-model.q4")
    assert model_source(str(folder), "vllm") == (str(folder.resolve()), "checkpoint")


def test_record_round_trips_and_only_its_supervisor_removes_it() -> None:
    state = _state()
    write_state(state)
    assert read_state() == state
    assert state.inspect_model == "openai-api/greetbench/qwen2.5-coder-0.5b-instruct"
    assert "key" not in state_path().read_text(encoding="utf-8").replace("api_key_required", "")
    remove_state(supervisor_pid=state.supervisor_pid + 1)
    assert read_state() == state
    remove_state(supervisor_pid=state.supervisor_pid)
    assert read_state() is None


def test_a_damaged_record_is_a_one_line_error_naming_it() -> None:
    state_path().write_text("{not json", encoding="utf-8")
    with pytest.raises(ServedModelError, match="served.json"):
        served_model_name()


def test_served_alias_points_the_openai_api_provider_at_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.models import model_for, resolve_model_name

    with pytest.raises(ServedModelError, match="greetbench serve"):
        resolve_model_name("served")
    write_state(_state())
    assert resolve_model_name("served") == "openai-api/greetbench/qwen2.5-coder-0.5b-instruct"
    assert os.environ[BASE_URL_ENV] == "http://127.0.0.1:8123/v1"
    model = model_for("served")
    assert isinstance(model, Model)
    assert model.config.max_connections == 8  # twice the slots
    assert model.config.attempt_timeout is not None and model.config.max_retries is not None
    assert model_for("embedded") == "embedded/qwen2.5-coder-0.5b-instruct"


def test_a_server_that_needs_a_key_needs_it_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    write_state(_state(api_key_required=True))
    with pytest.raises(ServedModelError, match=API_KEY_ENV):
        served_model_name()
    monkeypatch.setenv(API_KEY_ENV, "secret")
    assert served_model_name().startswith("openai-api/greetbench/")


def test_a_record_whose_supervisor_is_gone_is_stale() -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    write_state(_state(supervisor_pid=dead.pid))
    with pytest.raises(ServedModelError, match="gone"):
        served_model_name()


PARENT = """
import sys, time
from pathlib import Path
from harness.serving.process import start_process
child = start_process(["sleep", "120"], Path(sys.argv[1]))
print(child.pid, flush=True)
time.sleep(120)
"""


def test_the_server_dies_with_the_process_that_started_it(tmp_path: Path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(tmp_path / "log")], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert pid_alive(child)
    parent.send_signal(signal.SIGKILL)  # no chance to clean up: the kernel must stop the child
    parent.wait()
    deadline = time.monotonic() + 10
    while pid_alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_alive(child)


def _fake_variants_build(root: Path, variants: list[str]):  # noqa: ANN202
    from harness.serving import LlamaServerBuild

    folder = root / "0.3.36-variants"
    folder.mkdir(parents=True)
    for name in ["llama-server", "libggml-base.so", *(f"libggml-cpu-{v}.so" for v in variants)]:
        (folder / name).write_bytes(b"\x7fELF")
    (folder / "build.json").write_text("{}", encoding="utf-8")
    return LlamaServerBuild("variants", folder, 0.0)


@pytest.mark.parametrize("named", [True, False], ids=["variant known", "crash hides the variant"])
def test_a_cpu_variant_that_dies_here_is_left_out_once_per_cpu(tmp_path: Path, named: bool) -> None:
    from harness.serving.llama_cpp_build import ProbeResult, cpu_variants, runnable_variants_dir

    build = _fake_variants_build(tmp_path, ["haswell", "icelake", "sapphirerapids"])
    results = [ProbeResult("killed by SIGILL", "sapphirerapids" if named else None), ProbeResult(None, "icelake")]
    probed: list[list[str]] = []

    def probe(folder: Path) -> ProbeResult:
        probed.append(cpu_variants(folder))
        return results.pop(0)

    runnable = runnable_variants_dir(build, probe, progress=False)
    assert probed == [["haswell", "icelake", "sapphirerapids"], ["haswell", "icelake"]]
    assert cpu_variants(runnable) == ["haswell", "icelake"]
    assert cpu_variants(build.folder) == ["haswell", "icelake", "sapphirerapids"]  # the build itself is kept whole
    record = json.loads((runnable / "variants.json").read_text(encoding="utf-8"))
    assert record["in_use"] == "icelake" and record["dropped"] == {"sapphirerapids": "killed by SIGILL"}
    assert runnable_variants_dir(build, probe, progress=False) == runnable  # made once: no second probe
    assert len(probed) == 2


def test_no_runnable_variant_is_an_error(tmp_path: Path) -> None:
    from harness.serving import LlamaCppBuildError
    from harness.serving.llama_cpp_build import ProbeResult, runnable_variants_dir

    build = _fake_variants_build(tmp_path, ["x64"])
    with pytest.raises(LlamaCppBuildError, match="no CPU variant"):
        runnable_variants_dir(build, lambda folder: ProbeResult("killed by SIGILL", "x64"), progress=False)


def test_a_source_that_is_not_the_pinned_one_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.serving import LlamaCppBuildError, ensure_llama_server
    from harness.serving.llama_cpp_build import SOURCE_ENV

    fake = tmp_path / "llama_cpp_python-0.3.36.tar.gz"
    fake.write_bytes(b"not the source")
    monkeypatch.setenv(SOURCE_ENV, str(fake))
    with pytest.raises(LlamaCppBuildError, match="not llama-cpp-python 0.3.36's source"):
        ensure_llama_server("baseline", progress=False)
    assert not any((Path(os.environ["GREETBENCH_CACHE_DIR"]) / "llama.cpp").glob("0.3.36-*/llama-server"))


def test_a_second_server_is_refused_while_one_runs() -> None:
    from harness.serving.serve import check_none_running

    check_none_running()  # no record
    write_state(_state())  # this process stands in for a live supervisor
    with pytest.raises(ServeError, match="already served .* greetbench serve --stop"):
        check_none_running()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    write_state(_state(supervisor_pid=dead.pid))
    check_none_running()  # a stale record does not block
