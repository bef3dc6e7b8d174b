"""The served path under load and faults, against a real llama-server on loopback (see conftest.py).

- 200 concurrent judge calls all finish, each with the verdict of the same call made alone;
- a server that stops answering makes its calls unscored, never bad;
- a server killed mid-eval and restarted: the eval's retries carry the judge through, no sample lost; a policy whose
  server died is resumed by ``inspect eval-retry`` without redoing finished samples;
- the server listens on loopback only; with a key set it refuses requests without it, and the key appears in no
  command line, log or record.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from inspect_ai.model import GenerateConfig, Model, get_model
from servers import RunningServer, running_server

from harness.judges.principle import judge_with_principles
from harness.principles import DEFAULT_PRINCIPLES, load_principles
from harness.serving import served_generate_config

QUERY = "给妈妈的生日祝福"
GREETING = "亲爱的妈妈，生日快乐！愿您身体健康，笑口常开，每一天都被温暖和爱包围。"
RULES = load_principles(DEFAULT_PRINCIPLES)


def served(server: RunningServer, config: GenerateConfig, api_key: str = "no-key") -> Model:
    return get_model(
        "openai-api/greetbench/embedded", base_url=server.base_url, api_key=api_key, config=config, memoize=False
    )


async def _judge_many(model: Model, n: int) -> list:
    calls = (judge_with_principles(model, QUERY, GREETING, RULES, reason=False) for _ in range(n))
    return list(await asyncio.gather(*calls))


def test_200_concurrent_judge_calls_all_finish_with_the_verdict_of_one_call(shared_server: RunningServer) -> None:
    [alone] = asyncio.run(_judge_many(served(shared_server, served_generate_config(4)), 1))
    assert alone.verdict in ("good", "bad") and alone.p_good is not None
    model = served(shared_server, GenerateConfig(max_connections=200, attempt_timeout=300, max_retries=2))
    judgements = asyncio.run(_judge_many(model, 200))
    assert len(judgements) == 200
    assert [j.verdict for j in judgements] == [alone.verdict] * 200
    assert all(j.p_good == pytest.approx(alone.p_good, abs=0.02) for j in judgements)


def test_a_server_that_stops_answering_leaves_the_calls_unscored_never_bad(shared_server: RunningServer) -> None:
    model = served(shared_server, GenerateConfig(attempt_timeout=3, max_retries=0, max_connections=8))
    os.kill(shared_server.process.pid, signal.SIGSTOP)  # a hung server: the port accepts, nothing answers
    try:
        judgements = asyncio.run(_judge_many(model, 6))
    finally:
        os.kill(shared_server.process.pid, signal.SIGCONT)
    assert [j.verdict for j in judgements] == [None] * 6
    assert all(j.value is None and j.p_good is None and "judge call failed" in j.reason for j in judgements)
    [after] = asyncio.run(_judge_many(served(shared_server, served_generate_config(4)), 1))
    assert after.verdict is not None  # and the server is fine again


def test_listens_on_loopback_only(shared_server: RunningServer) -> None:
    with urllib.request.urlopen(f"{shared_server.base}/health", timeout=10) as response:
        assert response.status == 200
    tables = (Path("/proc/net/tcp"), Path("/proc/net/tcp6"))
    listening = [line for table in tables for line in table.read_text(encoding="utf-8").splitlines()[1:]]
    ours = [line.split() for line in listening if line.split()[1].endswith(f":{shared_server.port:04X}")]
    ours = [fields for fields in ours if fields[3] == "0A"]  # LISTEN
    assert ours, "the server's listening socket was not found"
    assert {fields[1].split(":")[0] for fields in ours} == {"0100007F"}  # 127.0.0.1, nothing else


def _post(base: str, key: str | None) -> int:
    body = json.dumps({"model": "embedded", "messages": [{"role": "user", "content": "你好"}], "max_tokens": 1})
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {key}"} if key else {})}
    request = urllib.request.Request(f"{base}/v1/chat/completions", data=body.encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_a_key_when_set_is_required_and_never_shown(
    llama_server_binary: Path, embedded_gguf_file: Path, tmp_path: Path, no_inherited_key: None
) -> None:
    key = "sk-greetbench-test-4b1d0c"
    log = tmp_path / "server.log"
    with running_server(llama_server_binary, embedded_gguf_file, log, api_key=key) as server:
        assert _post(server.base, None) == 401
        assert _post(server.base, "wrong") == 401
        assert _post(server.base, key) == 200
        cmdline = Path(f"/proc/{server.process.pid}/cmdline").read_bytes().decode()
        assert key not in cmdline
        [judged] = asyncio.run(_judge_many(served(server, served_generate_config(4), api_key=key), 1))
        assert judged.verdict is not None
        [refused] = asyncio.run(_judge_many(served(server, GenerateConfig(max_retries=0), api_key="wrong"), 1))
        assert refused.verdict is None and "401" in refused.reason
    assert key not in log.read_text(encoding="utf-8", errors="replace")
    assert key not in json.dumps([judged.to_dict(), refused.to_dict()])
