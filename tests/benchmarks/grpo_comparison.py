"""Measurement: the paper's reward comparison at 0.5B on CPU, rerun so that it can answer at equal length.

Run (the paper's data; `greetbench train prepare-rm` first; the embedded-judge extra for the 1.5B judge):
    GREETBENCH_DATA_DIR=../shared/data/greetings python tests/benchmarks/grpo_comparison.py \
        --cheap-rm runs/rm-embedded-cheap/model [--runs base,rm-hardened,rm-cheap,judge] [--steps 40] \
        [--work runs/grpo-comparison] [--out leaderboards/grpo-comparison]
Not a test: it trains and evaluates, it does not assert.

The policies, each from the embedded Qwen2.5-Coder-0.5B-Instruct with its preset's sound defaults:

- ``base``: the base model, untrained;
- ``rm-hardened``: ``grpo-embedded-0.5b-rm`` (the prepared RM, the hardened recipe);
- ``rm-cheap``: the same with the cheap RM (``rm-embedded-cheap``, the board's RM recipe before the hardening);
- ``judge``: ``grpo-embedded-0.5b-judge`` (the principle judge's P(good) on the 0.5B).

Each is trained for ``--steps`` steps (the preset's own closing eval skipped), then every policy, the base
included, runs the same closing eval: greeting_generation on the first 100 GRPO-test prompts (never trained on),
seed 42, at most the presets' ``max_completion_length`` new tokens, judged by the principle judge on the 1.5B
(verdict only: no policy was trained on it), the prepared (hardened) RM and the length rule. The logs go on the
``grpo-comparison`` board, whose build gives each judge's raw and length-controlled rates with intervals and the
mean length. A run's artefacts (metrics, watch, curves, summary; not its weights) are copied into ``--out``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

BOARD = "grpo-comparison"
EVAL_PROMPTS = 100
EVAL_JUDGES = "principle,rm,length"
EVAL_JUDGE_MODEL = "embedded-1.5b"
KEPT = ("metrics.jsonl", "watch.jsonl", "curves.png", "grpo_summary.json", "data_report.json")

RUNS: dict[str, dict[str, Any]] = {
    "base": {},
    "rm-hardened": {"preset": "grpo-embedded-0.5b-rm"},
    "rm-cheap": {"preset": "grpo-embedded-0.5b-rm", "cheap": True},
    "judge": {"preset": "grpo-embedded-0.5b-judge"},
}


def train(name: str, steps: int, work: Path, cheap_rm: str | None) -> Path:
    """Train policy ``name`` into ``work/name`` (resuming if there is a checkpoint); returns its model folder."""
    from trainers.grpo import load_grpo_config, train_grpo

    spec = RUNS[name]
    overrides: dict[str, Any] = {"output_dir": str(work / name), "max_steps": steps, "eval_limit": 0}
    if spec.get("cheap"):
        if not cheap_rm:
            sys.exit("rm-cheap needs --cheap-rm (greetbench train rm --config rm-embedded-cheap)")
        run = load_grpo_config(spec["preset"])
        overrides["rewards"] = [{**run.args.rewards[0], "checkpoint": cheap_rm}]
    run = load_grpo_config(spec["preset"], **overrides)
    return train_grpo(run, log=lambda message: print(f"[{name}] {message}", file=sys.stderr, flush=True))


def evaluate(name: str, model: str, work: Path, max_tokens: int) -> Path:
    """The closing eval of one policy (``model``: a folder); returns its log folder."""
    logs = work / name / "comparison-logs"
    command = [
        *("greetbench", "eval", "--model", f"hf/{BOARD}-{name}", "-M", f"model_path={model}"),
        *("--prompts", "grpo-test", "--limit", str(EVAL_PROMPTS), "--judges", EVAL_JUDGES),
        *("--judge", EVAL_JUDGE_MODEL, "--no-judge-reason", "--seed", "42", "--max-tokens", str(max_tokens)),
        *("--log-dir", str(logs)),
    ]
    print(f"[{name}] {' '.join(command)}", file=sys.stderr, flush=True)
    subprocess.run(command, check=True)
    return logs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default=",".join(RUNS))
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--cheap-rm", default=None, help="The cheap RM's model folder (rm-embedded-cheap).")
    parser.add_argument("--work", type=Path, default=Path("runs/grpo-comparison"))
    parser.add_argument("--out", type=Path, default=REPO / "leaderboards" / BOARD)
    args = parser.parse_args()
    names = [n.strip() for n in args.runs.split(",") if n.strip()]
    unknown = [n for n in names if n not in RUNS]
    if unknown:
        parser.error(f"unknown runs {unknown}; choose from {', '.join(RUNS)}")

    from trainers.config import resolve_model
    from trainers.grpo import load_grpo_config

    max_tokens = load_grpo_config("grpo-embedded-0.5b-rm").grpo.max_completion_length
    for name in names:
        model = str(train(name, args.steps, args.work, args.cheap_rm)) if RUNS[name] else None
        logs = evaluate(name, model or resolve_model("embedded", args.work), args.work, max_tokens)
        kept = args.out / name
        kept.mkdir(parents=True, exist_ok=True)
        for filename in KEPT:
            if (args.work / name / filename).is_file():
                shutil.copy2(args.work / name / filename, kept / filename)
        subprocess.run(
            ["greetbench", "leaderboard", "add", "--root", str(args.out.parent), "--benchmark", BOARD]
            + [str(log) for log in sorted(logs.glob("*.eval"))],
            check=True,
        )
    subprocess.run(["greetbench", "leaderboard", "build", "--root", str(args.out.parent), "--benchmark", BOARD])


if __name__ == "__main__":
    main()
