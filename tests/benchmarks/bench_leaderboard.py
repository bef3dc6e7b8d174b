"""Benchmark: build a leaderboard from 100 Inspect logs (goal: <= 5 s).

Run: python tests/benchmarks/bench_leaderboard.py [--logs DIR] [--keep DIR] [--models 100] [--prompts 42]
Prints a Markdown table for tests/benchmarks/RESULTS.md. Not a test: it measures, it does not assert.

The logs are real greeting_generation runs made here with Inspect: 97 mockllm policies plus the three null models,
each on the bundled prompts (42), judged by a scripted mockllm judge model, a model-free judge, the length and
constant baselines, a panel and the creativity scorer (the leaderboard tests' task). ``--logs DIR`` reuses logs
made before (``--keep DIR`` keeps the ones made now).

Figures:
- build: read the 100 logs (header + sample summaries), check them (finished, samples, consistency recomputed
  from the samples), tabulate, group, rank and sanity-check them (in process, imports done);
- write: render and write leaderboard.json (schema-validated), .csv, .md and index.html;
- CLI: ``greetbench leaderboard build DIR --no-registry`` as a fresh process, Python start-up and imports included;
- add: ``leaderboard add`` of all 100 logs into a fresh registry (full sample reads, every check).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).resolve().parents[1])]

from inspect_ai import eval as inspect_eval  # noqa: E402
from inspect_ai.model import ChatMessage, ModelOutput, get_model  # noqa: E402
from leaderboard_logs import JUDGES, leaderboard_task  # noqa: E402
from mocks import mock_output  # noqa: E402

from harness.leaderboard import BuildInputs, Registry, add_log, build_leaderboard  # noqa: E402
from harness.leaderboard.render import write_leaderboard  # noqa: E402
from harness.models.null import NULL_MODELS  # noqa: E402

OPENINGS = ("亲爱的你", "致最好的朋友", "写给家人", "敬爱的老师", "给亲爱的同事")
WISHES = ("愿温暖常伴左右", "愿岁岁平安", "祝万事顺遂", "愿你笑口常开", "愿前程似锦")


def policy(index: int):
    """A policy that writes a greeting shaped by its index (some say 温暖, so the judge's rates differ)."""

    def generate(messages: list[ChatMessage], *_: object) -> ModelOutput:
        query = messages[-1].text.removeprefix("请只生成一条祝福语：")
        pick = (index + len(query)) % len(WISHES)
        text = f"{OPENINGS[index % len(OPENINGS)]}：{query[: 4 + index % 9]}，{WISHES[pick]}！" * (1 + index % 3)
        return mock_output(text)

    return generate


def make_logs(out: Path, models: int, prompts: int) -> float:
    start = time.perf_counter()
    judge = {"judge": get_model("mockllm/judge", custom_outputs=JUDGES["mockllm/judge"])}
    real = [get_model(f"mockllm/policy-{i:03d}", custom_outputs=policy(i)) for i in range(models - len(NULL_MODELS))]
    everyone = [*real, *NULL_MODELS]
    for batch in range(0, len(everyone), 25):
        inspect_eval(
            leaderboard_task(prompts),
            model=everyone[batch : batch + 25],
            model_roles=judge,
            display="none",
            log_dir=str(out),
            max_tasks=25,
        )
    return time.perf_counter() - start


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--logs", type=Path, help="Reuse the logs in this folder.")
    parser.add_argument("--keep", type=Path, help="Make the logs in this folder (kept).")
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--prompts", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        logs = args.logs or args.keep or Path(tmp) / "logs"
        made = None if args.logs else make_logs(logs, args.models, args.prompts)
        count = len(list(logs.glob("*.eval")))
        size = sum(p.stat().st_size for p in logs.glob("*.eval"))
        inputs = BuildInputs(logs=[logs], use_registry=False)
        board = build_leaderboard(inputs)  # warm-up: imports, caches
        build = timed(lambda: build_leaderboard(inputs), args.repeat)
        write = timed(lambda: write_leaderboard(board, Path(tmp) / "out"), args.repeat)
        entry = "from greetbench.cli import main; main()"
        command = [sys.executable, "-c", entry, "leaderboard", "build", str(logs), "--no-registry"]
        cli = timed(
            lambda: subprocess.run(
                [*command, "--out", str(Path(tmp) / "cli")], check=True, capture_output=True, cwd=Path(tmp)
            ),
            args.repeat,
        )
        registry = Registry.load(Path(tmp) / "registry" / "greetings", "greetings")
        add = timed(lambda: [add_log(p, registry, copy=False) for p in sorted(logs.glob("*.eval"))], 1)
        html = (Path(tmp) / "out" / "index.html").stat().st_size

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"logs: {count} ({size / 1e6:.1f} MB), {args.prompts} prompts each, rows {board.table.height}")
    if made is not None:
        print(f"making the logs: {made:.1f} s")
    print()
    print("| step | median (s) | min (s) |")
    print("|---|---|---|")
    for label, times in (
        (f"build: read + check + tabulate {count} logs", build),
        (f"write json/csv/md/html ({html / 1e6:.1f} MB page)", write),
        ("CLI `leaderboard build` end to end (fresh process)", cli),
        (f"`leaderboard add` x {count} (full reads, all checks)", add),
    ):
        print(f"| {label} | {statistics.median(times):.2f} | {min(times):.2f} |")


if __name__ == "__main__":
    main()
