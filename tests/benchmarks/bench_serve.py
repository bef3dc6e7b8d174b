"""Benchmark: the embedded model in process (Inspect, greetbench's batcher) against served llama.cpp, side by side.

Run: python tests/benchmarks/bench_serve.py [--backends inprocess,baseline,variants] [--concurrency 1,4]
     [--rows 100] [--reason-rows 100] [--greetings 8] [--out FILE.json]
Not a test: it measures, it does not assert. Prints a Markdown table for tests/benchmarks/RESULTS.md and writes
every figure to ``--out`` (after each backend, so a long run keeps what it measured).

For each backend, at each concurrency (requests in flight at once):

- ``decode``: policy greetings for ``--greetings`` requests (temperature 0.7, 128 new tokens at most): output tokens
  per second of wall time;
- ``pgood``: the principle judge, verdict word only, over ``--rows`` seeded test rows: seconds per item, the
  prompt tokens the server processed per call (what its prompt cache did not hold) and P(good)'s AUC;
- ``reason``: the same judge with a one-sentence reason over ``--reason-rows`` rows.

The served backends are the server ``greetbench serve`` runs (``baseline`` and ``variants`` builds, 4 slots, the
same command line), reached through Inspect's ``openai-api`` provider as ``--judge served`` reaches it. Each
server's idle CPU over 10 s after work is measured too, with ``--poll 0`` (greetbench's) and llama.cpp's default.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import time
from pathlib import Path
from typing import Any

from inspect_ai.model import GenerateConfig, Model, get_model

from harness.data import DataFiles, load_eval_set, resolve_data_dir, split_eval_set
from harness.data.loaders import POLICY_PROMPT_PREFIX
from harness.judges.principle import judge_with_principles
from harness.models import embedded_gguf, ensure_embedded_model, resolve_model_name
from harness.principles import DEFAULT_PRINCIPLES, load_principles
from harness.serving import LOOPBACK, free_port, llama_server_command, start_process, stop_process, wait_healthy
from harness.serving.llama_cpp_build import loaded_cpu_variant
from harness.serving.serve import llama_server_folder
from harness.stats import agreement_figures

SEED = 0
IDLE_SECONDS = 10.0


def test_rows(n: int) -> list[Any]:
    root = resolve_data_dir(None)
    if root is None:
        raise SystemExit("set GREETBENCH_DATA_DIR to the paper's data folder")
    rows = list(split_eval_set(load_eval_set(DataFiles(root).eval_set)).test)
    return random.Random(SEED).sample(rows, min(n, len(rows)))


async def bounded(concurrency: int, calls: list[Any]) -> list[Any]:
    gate = asyncio.Semaphore(concurrency)

    async def one(call: Any) -> Any:
        async with gate:
            return await call()

    return await asyncio.gather(*(one(c) for c in calls))


async def decode(model: Model, requests: list[str], concurrency: int) -> dict[str, Any]:
    config = GenerateConfig(max_tokens=128, temperature=0.7, seed=42)
    started = time.perf_counter()
    calls = [lambda q=q: model.generate(POLICY_PROMPT_PREFIX + q, config=config) for q in requests]
    outputs = await bounded(concurrency, calls)
    seconds = time.perf_counter() - started
    tokens = sum(o.usage.output_tokens for o in outputs if o.usage)
    return {"greetings": len(outputs), "output_tokens": tokens, "seconds": round(seconds, 2),
            "tokens_per_s": round(tokens / seconds, 2)}  # fmt: skip


async def judge(model: Model, rows: list[Any], concurrency: int, reason: bool) -> dict[str, Any]:
    rules = load_principles(DEFAULT_PRINCIPLES)
    started = time.perf_counter()
    calls = [lambda r=r: judge_with_principles(model, r.query, r.response, rules, reason=reason) for r in rows]
    judgements = await bounded(concurrency, calls)
    seconds = time.perf_counter() - started
    scored = [(j, r.label) for j, r in zip(judgements, rows, strict=True) if j.verdict is not None]
    with_p = [(j.p_good, y) for j, y in scored if j.p_good is not None]
    auc = None
    if len({y for _, y in with_p}) == 2:
        estimate = agreement_figures([int(p >= 0.5) for p, _ in with_p], [y for _, y in with_p],
                                     [p for p, _ in with_p], n_resamples=1000)["auc"]  # fmt: skip
        auc = [estimate.value, estimate.ci_low, estimate.ci_high]
    return {"rows": len(rows), "seconds": round(seconds, 2), "s_per_item": round(seconds / len(rows), 3),
            "unscored": len(rows) - len(scored), "good": sum(j.verdict == "good" for j, _ in scored),
            "p_good_auc": auc}  # fmt: skip


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_cpu(pid: int) -> float:
    """Share of one core the process used while idle for IDLE_SECONDS."""
    before = cpu_seconds(pid)
    time.sleep(IDLE_SECONDS)
    return round((cpu_seconds(pid) - before) / IDLE_SECONDS, 3)


def server_metrics(base: str) -> dict[str, float]:
    """llama-server's Prometheus counters (prompt tokens processed, tokens predicted)."""
    import urllib.request

    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        text = response.read().decode()
    wanted = ("llamacpp:prompt_tokens_total", "llamacpp:tokens_predicted_total", "llamacpp:n_decode_total")
    return {line.split()[0]: float(line.split()[1]) for line in text.splitlines() if line.split(" ")[0] in wanted}


class Served:
    """One llama-server from a build, started as ``greetbench serve`` starts it (plus ``--metrics``)."""

    def __init__(self, kind: str, gguf: Path, poll_default: bool = False) -> None:
        build = llama_server_folder(kind, str(gguf))  # type: ignore[arg-type]
        self.port = free_port()
        self.base = f"http://{LOOPBACK}:{self.port}"
        command = llama_server_command(build.binary, gguf, host=LOOPBACK, port=self.port, model_id="bench", parallel=4)
        command.append("--metrics")
        if poll_default:
            at = command.index("--poll")
            del command[at : at + 2]
        self.log = Path(f"/tmp/bench-serve-{kind}-{self.port}.log")
        self.process = start_process(command, self.log)
        self.ready_s = round(wait_healthy(self.process, self.base, self.log, 300), 2)
        self.variant = loaded_cpu_variant(self.process.pid) or "static AVX2 (baseline)"

    def model(self) -> Model:
        return get_model("openai-api/greetbench/bench", base_url=f"{self.base}/v1", api_key="no-key",
                         config=GenerateConfig(max_connections=16, attempt_timeout=600, max_retries=1))  # fmt: skip

    def stop(self) -> None:
        stop_process(self.process)


async def measure(model: Model, args: argparse.Namespace, rows: list[Any], served: Served | None) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    requests = [r.query for r in rows[: args.greetings]]
    for concurrency in args.concurrency:
        at: dict[str, Any] = {}
        at["decode"] = await decode(model, requests, concurrency)
        for mode, n in (("pgood", args.rows), ("reason", args.reason_rows)):
            if n:
                before = server_metrics(served.base) if served else None
                at[mode] = await judge(model, rows[:n], concurrency, reason=mode == "reason")
                if served and before is not None:
                    after = server_metrics(served.base)
                    processed = after["llamacpp:prompt_tokens_total"] - before["llamacpp:prompt_tokens_total"]
                    at[mode]["prompt_tokens_processed_per_call"] = round(processed / n, 1)
        figures[str(concurrency)] = at
        print(json.dumps({str(concurrency): at}), flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="inprocess,baseline,variants")
    parser.add_argument("--concurrency", default="1,4", type=lambda s: [int(c) for c in s.split(",")])
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--reason-rows", type=int, default=100)
    parser.add_argument("--greetings", type=int, default=8)
    parser.add_argument("--out", type=Path, default=Path("bench_serve.json"))
    args = parser.parse_args()
    rows = test_rows(max(args.rows, args.reason_rows, args.greetings))
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text("utf-8").splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    report: dict[str, Any] = {"machine": f"{cpu}, {os.cpu_count()} cores", "load_average_before": os.getloadavg(),
                              "rows": args.rows, "reason_rows": args.reason_rows, "backends": {}}  # fmt: skip
    gguf = embedded_gguf(progress=True)
    for backend in args.backends.split(","):
        if backend == "inprocess":
            ensure_embedded_model(progress=True)
            started = time.perf_counter()
            model = get_model(resolve_model_name("embedded"))
            entry: dict[str, Any] = {}
            entry["figures"] = asyncio.run(measure(model, args, rows, None))
            entry["first_call_includes_load_s"] = round(time.perf_counter() - started, 1)
        else:
            served = Served(backend, gguf)
            entry = {"ready_s": served.ready_s, "cpu_variant": served.variant}
            try:
                entry["figures"] = asyncio.run(measure(served.model(), args, rows, served))
                entry["idle_cpu_poll0"] = idle_cpu(served.process.pid)  # after work: threads have run
            finally:
                served.stop()
            default_poll = Served(backend, gguf, poll_default=True)
            asyncio.run(judge(default_poll.model(), rows[:4], 4, reason=False))
            entry["idle_cpu_default_poll"] = idle_cpu(default_poll.process.pid)
            default_poll.stop()
        report["backends"][backend] = entry
        report["load_average_after"] = os.getloadavg()
        args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
        print(json.dumps({backend: entry}), flush=True)
    print_table(report)


def print_table(report: dict[str, Any]) -> None:
    print(f"\n{report['machine']}; load before {report['load_average_before']}, after {report['load_average_after']}")
    print("| backend | concurrency | decode tokens/s | P(good) s/item | prompt tokens processed per P(good) call |"
          " P(good) AUC | reason s/item | reason unscored |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---|---:|---:|")
    for backend, entry in report["backends"].items():
        for concurrency, at in entry["figures"].items():
            pgood, reason = at.get("pgood", {}), at.get("reason", {})
            auc = pgood.get("p_good_auc")
            auc_text = f"{auc[0]:.3f} [{auc[1]:.3f}, {auc[2]:.3f}]" if auc and None not in auc else "-"
            print(f"| {backend} | {concurrency} | {at['decode']['tokens_per_s']} | {pgood.get('s_per_item', '-')} | "
                  f"{pgood.get('prompt_tokens_processed_per_call', '-')} | {auc_text} | "
                  f"{reason.get('s_per_item', '-')} | {reason.get('unscored', '-')} |")  # fmt: skip


if __name__ == "__main__":
    main()
