"""A model server as a child process: a free loopback port, a health check before it counts as up, and no orphan.

The child gets ``PR_SET_PDEATHSIG`` (Linux): when the process that started it dies, even by SIGKILL, the kernel
sends the server SIGTERM, so no server is left behind. :func:`stop_process` asks politely, then kills.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

LOOPBACK = "127.0.0.1"
PR_SET_PDEATHSIG = 1


class ServerStartError(RuntimeError):
    """The server exited or never became healthy; the message ends with its log's last lines."""


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port on ``host`` that nothing listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    """In the child, before exec: ask the kernel for SIGTERM when the parent dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_process(command: Sequence[str], log: Path, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start ``command`` with stdout and stderr appended to ``log``; it dies when this process does.

    The kernel's parent-death signal follows the *thread* that started the child: call this from the main thread
    or from one that lives as long as the server should (a child started from a short-lived thread dies with it).

    Args:
        command: The server's command line (never holds a secret: keys go in ``env``).
        log: File for the server's output.
        env: Extra environment variables for the child (an API key, thread settings).
    """
    child_env = {**os.environ, **(env or {})}
    with open(log, "ab") as out:
        return subprocess.Popen(
            list(command), stdout=out, stderr=subprocess.STDOUT, env=child_env, preexec_fn=_die_with_parent
        )


def log_tail(log: Path, lines: int = 12) -> str:
    """The last ``lines`` lines of a log file ('' if it is missing)."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def is_healthy(base: str, timeout: float = 2.0) -> bool:
    """Whether ``GET <base>/health`` answers 200 (llama.cpp answers 503 while it loads the model)."""
    try:
        with urllib.request.urlopen(f"{base}/health", timeout=timeout) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def wait_healthy(process: subprocess.Popen[bytes], base: str, log: Path, timeout: float) -> float:
    """Wait until the server at ``base`` is healthy; return the seconds it took.

    Raises:
        ServerStartError: The process exited first, or ``timeout`` seconds passed (the process is then stopped).
    """
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise ServerStartError(f"the server exited with status {process.returncode}; log {log}:\n{log_tail(log)}")
        if is_healthy(base):
            return time.monotonic() - started
        time.sleep(0.2)
    stop_process(process)
    raise ServerStartError(f"the server was not healthy after {timeout:.0f} s; log {log}:\n{log_tail(log)}")


def stop_process(process: subprocess.Popen[bytes], grace: float = 10.0) -> int | None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; return the exit status."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"
