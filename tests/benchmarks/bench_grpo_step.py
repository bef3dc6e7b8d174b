"""Benchmark: one GRPO step of the embedded 0.5B preset on CPU, today's path against the faster ones, side by side.

Run (a quiet machine; the paper's data for the prompts):
    GREETBENCH_DATA_DIR=../shared/data/greetings python tests/benchmarks/bench_grpo_step.py [--steps 4]
        [--variants today,sampler,sampler-beta0,sampler-beta0-bf16,hf-beta0-bf16,new-defaults] [--out grpo_step.json]
Not a test: it measures, it does not assert.

Every variant is ``grpo-embedded-0.5b-rm``'s settings (LoRA r=16 on every linear layer, 2 prompts x 4
completions a step, lr 2e-5, temperature 1.0), run through ``greetbench train grpo``'s own code for ``--steps``
steps, with every completion held at exactly 48 tokens (``min_new_tokens`` = ``max_completion_length`` = 48: the
committed RM run's state, 100% clipped at 48) so the variants decode the same number of tokens. The reward is the
length term (no model), so the step is rollouts plus log-probs and the backward pass; the prepared RM's own time
is the ``reward_s`` column of the committed runs. The first step (warm-up) is left out of the means.

Variants:
- ``today``: HF generate (forced by a ``generation_kwargs`` key only HF generate reads, ``use_cache: true``, its
  default), float32, beta 0.001 (a reference forward with the adapters off every step);
- ``sampler``: greetbench's batched sampler (:mod:`trainers.decoder`), otherwise as today;
- ``sampler-beta0``: and beta 0 (no reference forward: TRL skips it);
- ``sampler-beta0-bf16``: and the policy in bfloat16 with bf16 autocast (LoRA weights stay float32);
- ``hf-beta0-bf16``: the same with HF generate, to tell the sampler's share from the rest;
- ``new-defaults``: the preset as it is now (the sampler, beta 0, bf16, and no gradient checkpointing, which
  TRL's GRPOConfig turns on and the older variants keep).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from grpo_variants import run_variants  # noqa: E402  (this folder, beside the script)

LENGTH = 48

TODAY: dict[str, Any] = {"dtype": "float32", "bf16": False, "beta": 0.001, "gradient_checkpointing": True}
"""The preset's settings when issue 21 was filed (the preset itself now has the new defaults)."""

VARIANTS: dict[str, dict[str, Any]] = {
    "today": {**TODAY, "generation_kwargs": {"min_new_tokens": LENGTH, "use_cache": True}},
    "sampler": {**TODAY, "generation_kwargs": {"min_new_tokens": LENGTH}},
    "sampler-beta0": {**TODAY, "generation_kwargs": {"min_new_tokens": LENGTH}, "beta": 0.0},
    "sampler-beta0-bf16": {
        **TODAY,
        "generation_kwargs": {"min_new_tokens": LENGTH},
        "beta": 0.0,
        "dtype": "bfloat16",
        "bf16": True,
    },
    "hf-beta0-bf16": {
        **TODAY,
        "generation_kwargs": {"min_new_tokens": LENGTH, "use_cache": True},
        "beta": 0.0,
        "dtype": "bfloat16",
        "bf16": True,
    },
    "new-defaults": {"generation_kwargs": {"min_new_tokens": LENGTH}},
}


def run_variant(name: str, steps: int, root: Path) -> dict[str, Any]:
    from trainers.grpo import METRICS_FILENAME, SUMMARY_FILENAME, load_grpo_config, train_grpo

    run = load_grpo_config(
        "grpo-embedded-0.5b-rm",
        output_dir=str(root / name),
        max_steps=steps,
        max_completion_length=LENGTH,
        save_steps=10_000,
        watch_steps=0,
        eval_limit=0,
        rewards=[{"kind": "length", "mode": "ramp", "target_chars": 39}],
        **VARIANTS[name],
    )
    started = time.monotonic()
    train_grpo(run, log=lambda message: print(f"  [{name}] {message}", file=sys.stderr))
    wall = time.monotonic() - started
    summary = json.loads((run.output_path / SUMMARY_FILENAME).read_text(encoding="utf-8"))
    history = [json.loads(line) for line in (run.output_path / METRICS_FILENAME).read_text().splitlines()]
    logged = [entry for entry in history if "timing/step_s" in entry][1:]  # step 1 is the warm-up
    keys = ("timing/step_s", "timing/generation_s", "timing/reward_s", "timing/other_s", "rollout/tokens_per_s")
    means = {key.split("/")[-1]: round(statistics.fmean(e[key] for e in logged), 2) for key in keys if logged}
    lengths = sorted({e.get("completions/mean_length") for e in history if "completions/mean_length" in e})
    return {
        "variant": name,
        "settings": VARIANTS[name],
        "rollouts": summary["rollouts"]["engine"],
        "steps_measured": len(logged),
        **means,
        "completion_mean_lengths": lengths,
        "wall_s": round(wall, 1),
    }


def main() -> None:
    args, results = run_variants(__doc__.splitlines()[0], VARIANTS, 4, run_variant)
    base = next((r for r in results if r["variant"] == "today"), None)
    print("\n| variant | rollouts | step s | generation s | reward s | rest s | tokens/s | vs today |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        ratio = f"{base['step_s'] / r['step_s']:.2f}x" if base and r.get("step_s") else "-"
        print(
            f"| {r['variant']} | {r['rollouts']} | {r.get('step_s')} | {r.get('generation_s')} | {r.get('reward_s')} "
            f"| {r.get('other_s')} | {r.get('tokens_per_s')} | {ratio} |"
        )
    report = {"machine": platform.processor() or platform.machine(), "cores": os.cpu_count(), "results": results}
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
