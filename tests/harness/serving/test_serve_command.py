"""``greetbench serve`` end to end, as a user runs it: serve in the background with a key, eval against it, stop it.

Needs llama-server built and the embedded model (see conftest.py). The eval writes greetings with the served
model (16 new tokens at most) and judges them with it, verdict only. The key reaches neither the server's command
line, its log, the record, nor the eval log.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from harness.serving.process import pid_alive


def _greetbench(*args: str, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "greetbench", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def user_env(tmp_path: Path, llama_server_binary: Path, embedded_gguf_file: Path) -> dict[str, str]:
    """A cache of the test's own, holding the built server and the joined model (linked, not copied)."""
    cache = tmp_path / "cache"
    for built in (llama_server_binary.parent, embedded_gguf_file):
        relative = built.relative_to(built.parents[1])
        (cache / relative).parent.mkdir(parents=True, exist_ok=True)
        (cache / relative).symlink_to(built)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GREETBENCH_API_KEY", "GREETBENCH_BASE_URL"))}
    return {**env, "GREETBENCH_CACHE_DIR": str(cache)}


KEY = "sk-greetbench-cli-test-9f2e"


def _files_hold(folder: Path, secret: str) -> list[str]:
    """Files under ``folder`` (and members of zip files, as Inspect's .eval logs are) that contain ``secret``."""
    found = []
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                found += [f"{path}:{m}" for m in archive.namelist() if secret.encode() in archive.read(m)]
        elif secret.encode() in path.read_bytes():
            found.append(str(path))
    return found


def test_serve_then_eval_with_the_served_judge_then_stop(user_env: dict[str, str], tmp_path: Path) -> None:
    keyless = dict(user_env)
    user_env = {**user_env, "GREETBENCH_API_KEY": KEY}
    started = _greetbench("serve", "--detach", env=user_env)
    assert started.returncode == 0, started.stderr
    record = json.loads((Path(user_env["GREETBENCH_CACHE_DIR"]) / "serve" / "served.json").read_text("utf-8"))
    assert record["base_url"].startswith("http://127.0.0.1:")
    assert "openai-api/greetbench/qwen2.5-coder-0.5b-instruct" in started.stdout
    try:
        assert _greetbench("serve", "--status", env=user_env).returncode == 0
        evaluated = _greetbench(
            "eval", "--model", "served", "--judge", "served", "--judges", "principle", "--no-judge-reason",
            "--limit", "2", "--max-tokens", "16", "--prompts", "bundled", "--log-dir", str(tmp_path / "logs"),
            env=user_env,
        )  # fmt: skip
        assert evaluated.returncode == 0, evaluated.stdout + evaluated.stderr
        assert "judge  openai-api/greetbench/qwen2.5-coder-0.5b-instruct" in evaluated.stdout
        assert "status success  samples 2" in evaluated.stdout
        [judged] = [
            line for line in evaluated.stdout.splitlines() if line.split()[:2] == ["principle_judge", "excellence_rate"]
        ]
        assert judged.split()[-1] == "0/2", evaluated.stdout  # none unscored
        refused = _greetbench("eval", "--judge", "served", "--limit", "1", env=keyless)
        assert refused.returncode == 2 and "GREETBENCH_API_KEY" in refused.stderr
        assert KEY not in Path(f"/proc/{record['server_pid']}/cmdline").read_bytes().decode()
    finally:
        stopped = _greetbench("serve", "--stop", env=user_env)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert not pid_alive(record["server_pid"]) and not pid_alive(record["supervisor_pid"])
    assert _greetbench("serve", "--status", env=user_env).returncode == 1
    again = _greetbench("eval", "--judge", "served", "--limit", "1", env=user_env)
    assert again.returncode == 2 and "greetbench serve" in again.stderr  # one line, no traceback
    assert "Traceback" not in again.stderr
    assert record["api_key_required"] is True
    assert _files_hold(Path(user_env["GREETBENCH_CACHE_DIR"]) / "serve", KEY) == []  # record and server log
    assert _files_hold(tmp_path / "logs", KEY) == []  # the Inspect log
