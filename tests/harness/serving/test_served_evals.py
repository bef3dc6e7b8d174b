"""Evals against a real llama-server that dies mid-run (see conftest.py).

- The judge's server is killed at the third sample and back two seconds later: the eval's retries carry every
  judge call through; the run succeeds with every sample scored.
- The policy's server is killed after the second sample and stays down: the run fails with the finished samples in
  its log; once the server is back, ``inspect eval-retry`` finishes the run without redoing them.
"""

from __future__ import annotations

import itertools
import os
import signal
import threading
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai import eval_retry
from inspect_ai.hooks import Hooks, SampleEnd, hooks
from inspect_ai.model import get_model
from mocks import mock_output

from harness.serving import (
    LOOPBACK,
    free_port,
    llama_server_command,
    served_generate_config,
    start_process,
    stop_process,
)
from harness.serving.process import wait_healthy
from tasks.greeting_generation import greeting_generation

GREETINGS = ["妈妈生日快乐，愿您健康长寿！", "祝你考试顺利，金榜题名！", "新婚快乐，白头偕老！"]
LIMIT = 5


class Restartable:
    """A llama-server on a fixed port that a test can kill and start again.

    Starts happen on one long-lived thread: the kernel's parent-death signal follows the *thread* that started a
    child, so a server started from a short-lived thread would die with it.
    """

    def __init__(self, binary: Path, gguf: Path, log: Path) -> None:
        self.port = free_port()
        self.command = llama_server_command(
            binary, gguf, host=LOOPBACK, port=self.port, model_id="embedded", parallel=4
        )
        self.log = log
        self.process = None
        self.requests: list[float | None] = []
        self.done = threading.Event()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.requests.append(0.0)
        self._wait_ready()

    def _run(self) -> None:
        while not self.done.is_set():
            if self.requests:
                delay = self.requests.pop(0)
                if delay is None:
                    break
                self.done.wait(delay)
                self.process = start_process(self.command, self.log)
                wait_healthy(self.process, self.base, self.log, 120)
                self.ready.set()
            self.done.wait(0.05)
        if self.process is not None:
            stop_process(self.process)

    def _wait_ready(self) -> None:
        assert self.ready.wait(120), "the server did not start"

    @property
    def base(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def kill(self, restart_after: float | None = None) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.ready.clear()
        if restart_after is not None:
            self.requests.append(restart_after)

    def start(self) -> None:
        self.requests.append(0.0)
        self._wait_ready()

    def close(self) -> None:
        self.done.set()
        self.thread.join(30)


@pytest.fixture
def restartable(llama_server_binary: Path, embedded_gguf_file: Path, tmp_path: Path):  # noqa: ANN201
    server = Restartable(llama_server_binary, embedded_gguf_file, tmp_path / "llama-server.log")
    yield server
    server.close()


def _served(server: Restartable):  # noqa: ANN202
    return get_model("openai-api/greetbench/embedded", base_url=f"{server.base}/v1", api_key="no-key",
                     config=served_generate_config(4), memoize=False)  # fmt: skip


def _task():  # noqa: ANN202
    return greeting_generation(prompts="bundled", judges="principle", judge_reason=False)


def test_judge_server_killed_mid_eval_and_restarted_loses_nothing(restartable: Restartable, tmp_path: Path) -> None:
    calls = itertools.count()

    def policy(*_args: object):  # noqa: ANN202
        n = next(calls)
        if n == 2:  # the third sample's judge finds its server dead; it is back 2 s later
            restartable.kill(restart_after=2.0)
        return mock_output(GREETINGS[n % len(GREETINGS)])

    [log] = inspect_eval(
        _task(), model=get_model("mockllm/model", custom_outputs=policy), model_roles={"judge": _served(restartable)},
        limit=LIMIT, max_samples=1, log_dir=str(tmp_path / "logs"), display="none",
    )  # fmt: skip
    assert log.status == "success"
    assert log.samples is not None and len(log.samples) == LIMIT
    values = [sample.scores["principle_judge"].value for sample in log.samples]
    assert all(value in (0, 1) for value in values), values  # every judge call went through: none unscored


KILL_AFTER: dict[str, object] = {}
"""Armed by the eval-retry test only: the server to kill, and after how many finished samples."""


@hooks(name="greetbench_test_kill_policy_server", description="test: kill the policy's server after N samples")
class KillPolicyServer(Hooks):
    """Kills the armed server once N samples have ended (samples run one at a time)."""

    def enabled(self) -> bool:
        return bool(KILL_AFTER)

    async def on_sample_end(self, data: SampleEnd) -> None:
        KILL_AFTER["ended"] = int(KILL_AFTER.get("ended", 0)) + 1  # type: ignore[call-overload]
        server = KILL_AFTER["server"]
        if KILL_AFTER["ended"] == KILL_AFTER["after"] and isinstance(server, Restartable):
            server.kill()


def test_policy_server_killed_mid_eval_is_resumed_by_eval_retry(
    restartable: Restartable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # eval-retry makes the models again from the log, whose base URL it keeps; the key comes from the environment.
    monkeypatch.setenv("GREETBENCH_API_KEY", "no-key")
    KILL_AFTER.update(server=restartable, after=2)
    try:
        [failed] = inspect_eval(
            _task(), model=_served(restartable), model_roles={"judge": _served(restartable)}, limit=LIMIT,
            max_samples=1, log_dir=str(tmp_path / "logs"), display="none", max_tokens=24,
        )  # fmt: skip
    finally:
        KILL_AFTER.clear()
    assert failed.status == "error"
    finished = {sample.id: sample for sample in failed.samples or [] if not sample.error}
    assert len(finished) == 2
    restartable.start()
    [resumed] = eval_retry(failed, log_dir=str(tmp_path / "logs"), display="none")
    assert resumed.status == "success"
    assert resumed.samples is not None and len(resumed.samples) == LIMIT
    for sample in resumed.samples:
        assert "principle_judge" in sample.scores
        if sample.id in finished:  # carried over, not generated again
            assert sample.uuid == finished[sample.id].uuid
            assert sample.output.completion == finished[sample.id].output.completion
