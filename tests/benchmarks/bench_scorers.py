"""Benchmark: every non-LLM scorer over 2,000 (query, response) pairs, through Inspect and as plain functions.

Run: python tests/benchmarks/bench_scorers.py [--data-dir DIR]   (default: $GREETBENCH_DATA_DIR)
Prints a Markdown table for tests/benchmarks/RESULTS.md. Not a test: it measures, it does not assert.

The 2,000 pairs are the 1,605 shared eval rows plus RM-test chosen responses up to 2,000. The reward-model judge
runs on a tiny random Qwen2 seq-cls model (hidden 32, 2 layers) with a threshold fit on the eval dev split, so the
figure is harness overhead plus a tiny forward pass, not the cost of a real 7B reward model.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import MemoryDataset, Sample

from harness.creativity import NoveltyIndex, corpus_creativity, creativity
from harness.data import DataFiles, load_eval_set, load_preference_pairs, resolve_data_dir, split_eval_set
from harness.judges import constant_judge, fit_and_save_threshold, length_judge, length_judgement, reward_model_judge
from harness.judges.reward_model import RewardModel
from harness.models import build_tiny_qwen2
from harness.solvers import given_response

N_PAIRS = 2000


def pairs(root: Path) -> list[tuple[str, str]]:
    files = DataFiles(root)
    rows = [(r.query, r.response) for r in load_eval_set(files.eval_set)]
    rows += [(p.prompt, p.chosen) for p in load_preference_pairs(files.rm_test)]
    return rows[:N_PAIRS]


def timed(label: str, results: list[tuple[str, float]], fn):
    start = time.perf_counter()
    value = fn()
    results.append((label, time.perf_counter() - start))
    return value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    root = resolve_data_dir(args.data_dir)
    if root is None:
        raise SystemExit("needs the paper's data: --data-dir or $GREETBENCH_DATA_DIR")
    data = pairs(root)
    texts = [r for _, r in data]
    results: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        rm_dir = timed("build tiny RM", results, lambda: build_tiny_qwen2(Path(tmp) / "rm", "seq-cls"))
        split = split_eval_set(load_eval_set(DataFiles(root).eval_set))
        timed("fit RM threshold on dev (458 rows)", results, lambda: fit_and_save_threshold(rm_dir, split))

        # Plain functions (what a trainer's reward or the leaderboard calls).
        timed("length_judgement x2000", results, lambda: [length_judgement(t, 39) for t in texts])
        index = timed("NoveltyIndex from data dir", results, lambda: NoveltyIndex.from_data_dir(root))
        timed("corpus_creativity (2000 texts)", results, lambda: corpus_creativity(texts, index))
        model = RewardModel.load(rm_dir)
        timed("RewardModel.rewards x2000 (batch 16)", results, lambda: model.rewards(data, batch_size=16))

        # The same scorers inside one Inspect eval (no model generates: the responses are given).
        samples = [
            Sample(id=i, input=q, metadata={"query": q, "response": r}) for i, (q, r) in enumerate(data, start=1)
        ]
        task = Task(
            dataset=MemoryDataset(samples),
            solver=given_response(),
            scorer=[
                length_judge(data_dir=str(root)),
                constant_judge(),
                reward_model_judge(str(rm_dir)),
                creativity(str(root)),
            ],
        )
        [log] = timed(
            "Inspect eval: length, constant, RM, creativity over 2000",
            results,
            lambda: inspect_eval(task, model="none", display="none", log_dir=str(Path(tmp) / "logs"), max_samples=64),
        )
        assert log.status == "success", log.error
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("| step | wall s |\n|---|---:|")
    for label, seconds in results:
        print(f"| {label} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
