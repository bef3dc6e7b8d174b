"""Measurement: how long the base policy's own greetings are, to set GRPO's ``max_completion_length`` above them.

Run (the paper's data for the prompts):
    GREETBENCH_DATA_DIR=../shared/data/greetings python tests/benchmarks/bench_base_lengths.py [--prompts 64]
        [--group 4] [--limit 256] [--model embedded]
Not a test: it measures, it does not assert.

The embedded Qwen2.5-Coder-0.5B-Instruct (float32, as the presets train it) writes ``--group`` completions for each
of ``--prompts`` seeded GRPO-train prompts through the chat template, sampled as the presets sample (temperature
1.0, no top-k or top-p) by greetbench's rollout sampler, with a generous ``--limit``. It prints the token-length
distribution (p50, p90, p95, p99, max) and the share that reached the limit. A cap at twice the p95 leaves a
completion that writes on room to end by itself, so that clipping is a signal, not the story.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=64)
    parser.add_argument("--group", type=int, default=4)
    parser.add_argument("--limit", type=int, default=256)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from harness.data import DataFiles, load_grpo_requests, resolve_data_dir
    from trainers.config import resolve_model
    from trainers.decoder import sample_completions

    root = resolve_data_dir()
    if root is None:
        sys.exit("no data: set GREETBENCH_DATA_DIR")
    requests = load_grpo_requests(DataFiles(root).grpo_train)
    picked = random.Random(args.seed).sample(requests, args.prompts)
    path = resolve_model(args.model, Path("."), "causal-lm")
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    configured = model.generation_config.eos_token_id
    eos = {tokenizer.eos_token_id, *(configured if isinstance(configured, list) else [configured])} - {None}
    texts = [
        tokenizer.apply_chat_template(
            [{"role": "user", "content": r.prompt}], add_generation_prompt=True, tokenize=False
        )
        for r in picked
        for _ in range(args.group)
    ]
    prompts = [tokenizer(text, add_special_tokens=False)["input_ids"] for text in texts]
    generator = torch.Generator().manual_seed(args.seed)
    lengths, ended = [], []
    started, load = time.monotonic(), os.getloadavg()[0]
    for start in range(0, len(prompts), args.batch):
        batch = prompts[start : start + args.batch]
        out = sample_completions(
            model,
            batch,
            max_new_tokens=args.limit,
            eos_token_ids=sorted(eos),
            pad_token_id=tokenizer.pad_token_id,
            generator=generator,
        )
        lengths += [len(ids) for ids in out]
        ended += [bool(ids) and ids[-1] in eos for ids in out]
        print(f"  {len(lengths)}/{len(prompts)} completions, {time.monotonic() - started:.0f} s", file=sys.stderr)
    cuts = statistics.quantiles(lengths, n=100, method="inclusive")
    report = {
        "machine": platform.processor() or platform.machine(),
        "model": args.model,
        "completions": len(lengths),
        "limit": args.limit,
        "p50": cuts[49],
        "p90": cuts[89],
        "p95": cuts[94],
        "p99": cuts[98],
        "max": max(lengths),
        "mean": round(statistics.fmean(lengths), 1),
        "reached_limit": sum(not e for e in ended) / len(ended),
        "seconds": round(time.monotonic() - started, 1),
        "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
