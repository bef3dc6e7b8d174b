"""Measurement: short GRPO runs of the embedded RM preset side by side, one advantage recipe each.

Run (a quiet machine; the paper's data; the prepared RM, `greetbench train prepare-rm`):
    GREETBENCH_DATA_DIR=../shared/data/greetings python tests/benchmarks/bench_grpo_recipe.py [--steps 8]
        [--variants group,batch,none,dr_grpo] [--out grpo_recipe.json]
Not a test: it measures, it does not assert.

Every variant is ``grpo-embedded-0.5b-rm`` as the preset stands (its reward, cap, dtype, beta, watch every
``--steps`` // 2 steps on 16 held-out prompts) for ``--steps`` steps from the same seed, with one change:

- ``group``: ``scale_rewards: group`` (TRL's default: advantages over the group's reward std), ``loss_type: dapo``;
- ``batch``: ``scale_rewards: batch`` (divided by the whole batch's std), ``loss_type: dapo``;
- ``none``: ``scale_rewards: none`` (raw centred rewards), ``loss_type: dapo``;
- ``dr_grpo``: ``scale_rewards: none``, ``loss_type: dr_grpo`` (Dr. GRPO: no std scaling, a constant length
  normaliser).

Reported for each: the training reward over the first and last quarter of the steps, the completion length (mean
tokens) likewise, the clipped share, the mean grad norm and reward std, the watch judge's mean (and its
length-controlled mean) and characters at the first and last point, the triggers fired, and seconds a step.
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

VARIANTS: dict[str, dict[str, str]] = {
    "group": {"scale_rewards": "group", "loss_type": "dapo"},
    "batch": {"scale_rewards": "batch", "loss_type": "dapo"},
    "none": {"scale_rewards": "none", "loss_type": "dapo"},
    "dr_grpo": {"scale_rewards": "none", "loss_type": "dr_grpo"},
}


def _mean(entries: list[dict[str, Any]], key: str) -> float | None:
    values = [e[key] for e in entries if e.get(key) is not None]
    return round(statistics.fmean(values), 3) if values else None


def summarise(history: list[dict[str, Any]], points: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of one run from its ``metrics.jsonl`` entries and ``watch.jsonl`` points."""
    steps = [e for e in history if "reward" in e]
    quarter = max(1, len(steps) // 4)
    first, last = steps[:quarter], steps[-quarter:]
    return {
        "reward_first": _mean(first, "reward"),
        "reward_last": _mean(last, "reward"),
        "length_first": _mean(first, "completions/mean_length"),
        "length_last": _mean(last, "completions/mean_length"),
        "clipped": _mean(steps, "completions/clipped_ratio"),
        "grad_norm": _mean(steps, "grad_norm"),
        "reward_std": _mean(steps, "reward_std"),
        "zero_std_groups": _mean(steps, "frac_reward_zero_std"),
        "step_s": _mean(steps[1:], "timing/step_s"),
        "watch_first": points[0].get("watch") if points else None,
        "watch_last": points[-1].get("watch") if points else None,
        "watch_lc_last": points[-1].get("watch_lc") if points else None,
        "chars_first": points[0].get("chars") if points else None,
        "chars_last": points[-1].get("chars") if points else None,
        "triggers": sorted({t["trigger"] for p in points for t in p.get("triggers") or []}),
    }


def run_variant(name: str, steps: int, root: Path) -> dict[str, Any]:
    from trainers.grpo import METRICS_FILENAME, load_grpo_config, train_grpo
    from trainers.watch import WATCH_FILENAME

    run = load_grpo_config(
        "grpo-embedded-0.5b-rm",
        output_dir=str(root / name),
        max_steps=steps,
        save_steps=10_000,
        watch_steps=max(1, steps // 2),
        eval_limit=0,
        **VARIANTS[name],
    )
    started = time.monotonic()
    train_grpo(run, log=lambda message: print(f"  [{name}] {message}", file=sys.stderr))
    out = run.output_path
    history = [json.loads(line) for line in (out / METRICS_FILENAME).read_text(encoding="utf-8").splitlines()]
    points = [json.loads(line) for line in (out / WATCH_FILENAME).read_text(encoding="utf-8").splitlines()]
    return {
        "variant": name,
        **VARIANTS[name],
        **summarise(history, points),
        "wall_s": round(time.monotonic() - started, 1),
    }


def main() -> None:
    args, results = run_variants(__doc__.splitlines()[0], VARIANTS, 8, run_variant)
    columns = [
        "reward_first",
        "reward_last",
        "length_first",
        "length_last",
        "clipped",
        "grad_norm",
        "reward_std",
        "watch_first",
        "watch_last",
        "watch_lc_last",
        "chars_first",
        "chars_last",
        "step_s",
    ]
    print("\n| variant | " + " | ".join(columns) + " | triggers |")
    print("|---|" + "---:|" * len(columns) + "---|")
    for r in results:
        cells = " | ".join("-" if r[c] is None else f"{r[c]:.3g}" for c in columns)
        print(f"| {r['variant']} | {cells} | {', '.join(r['triggers']) or '-'} |")
    report = {"machine": platform.processor() or platform.machine(), "cores": os.cpu_count(), "results": results}
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
