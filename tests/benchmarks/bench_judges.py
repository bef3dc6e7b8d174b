"""Benchmark: the principle judge on an in-process model over eval test rows: seconds per item, and where they go.

Run: python tests/benchmarks/bench_judges.py [--model embedded] [--rows 100] [--modes verdict,reason] [--before 16]
     [--fit-rows 0] [--out FILE.json]
Not a test: it measures, it does not assert. Prints a Markdown table for tests/benchmarks/RESULTS.md and writes
every figure (and each row's verdict, P(good) and usage) to ``--out``.

- ``verdict``: ``reason=False``, the verdict word alone (max 2 tokens) and P(good) from its logprobs.
- ``reason``: the verdict first, then a one-sentence reason, in JSON (max 160 tokens).
- ``--before N``: the same reason-mode calls on N rows through Inspect's own ``hf`` provider on the same folder
  (what every in-process judge call went through before), for comparison.
- ``--fit-rows N``: also judge N dev rows in ``verdict`` mode, fit a P(good) threshold on them (accuracy-maximising
  cut, the RM judge's own fitter) and report the calibrated verdict on the test rows, beside the length rule.

The rows are a seeded sample of the eval set's test split; all calls are issued at once, as an eval or a GRPO
reward issues them, and the provider batches them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from inspect_ai.model import Model, get_model

from harness.creativity import char_length
from harness.data import DataFiles, load_eval_set, resolve_data_dir, split_eval_set
from harness.judges.baselines import dev_length_threshold
from harness.judges.principle import judge_with_principles
from harness.models import resolve_model_name
from harness.principles import DEFAULT_PRINCIPLES, load_principles
from harness.stats import agreement_figures, fit_threshold

SEED = 0


def sample_rows(root: Path, side: str, n: int) -> list[Any]:
    split = split_eval_set(load_eval_set(DataFiles(root).eval_set))
    rows = list(split.test if side == "test" else split.dev)
    return random.Random(SEED).sample(rows, min(n, len(rows)))


async def judge_rows(model: Model, rows: list[Any], reason: bool) -> tuple[float, list[Any]]:
    rules = load_principles(DEFAULT_PRINCIPLES)
    started = time.perf_counter()
    judgements = await asyncio.gather(
        *(judge_with_principles(model, r.query, r.response, rules, reason=reason) for r in rows)
    )
    return time.perf_counter() - started, list(judgements)


def summary(label: str, seconds: float, rows: list[Any], judgements: list[Any]) -> dict[str, Any]:
    tokens = [j.trace[0].get("output_tokens") or 0 for j in judgements]
    verdicts = [None if j.verdict is None else int(j.verdict == "good") for j in judgements]
    labels = [r.label for r in rows]
    scored = [
        (v, p, y) for v, p, y in zip(verdicts, (j.p_good for j in judgements), labels, strict=True) if v is not None
    ]
    with_p = [(p, y) for _, p, y in scored if p is not None]
    figures = (
        agreement_figures([v for v, _, _ in scored], [y for _, _, y in scored], None, n_resamples=1000)
        if scored
        else None
    )
    auc = None
    if with_p and len({y for _, y in with_p}) == 2:
        auc = agreement_figures(
            [int(p >= 0.5) for p, _ in with_p], [y for _, y in with_p], [p for p, _ in with_p], n_resamples=1000
        )["auc"]
    return {
        "mode": label,
        "rows": len(rows),
        "seconds": round(seconds, 2),
        "seconds_per_item": round(seconds / len(rows), 3),
        "unscored": sum(v is None for v in verdicts),
        "p_good_missing": sum(j.p_good is None for j in judgements),
        "output_tokens_mean": round(statistics.mean(tokens), 1),
        "output_tokens_max": max(tokens),
        "stop_reasons": dict(Counter(j.trace[0].get("stop_reason") for j in judgements)),
        "good_share": round(sum(v == 1 for v in verdicts) / len(verdicts), 3),
        # Each call's own generate time is its batch's time: the distinct values are the batches.
        "batches_seconds": sorted({round(j.trace[0].get("seconds") or 0.0, 3) for j in judgements}),
        "p_good_mean": round(statistics.mean(p for p, _ in with_p), 3) if with_p else None,
        "accuracy": figures["accuracy"].to_dict() if figures else None,
        "kappa": figures["kappa"].to_dict() if figures else None,
        "auc": auc.to_dict() if auc else None,
        "per_row": [
            {"line": r.line, "label": r.label, "verdict": j.verdict, "p_good": j.p_good, "tokens": t}
            for r, j, t in zip(rows, judgements, tokens, strict=True)
        ],
    }


def calibrated(root: Path, model: Model, test_rows: list[Any], test_verdict: dict[str, Any], n_fit: int) -> dict:
    dev_rows = sample_rows(root, "dev", n_fit)
    seconds, judgements = asyncio.run(judge_rows(model, dev_rows, reason=False))
    fit = [(j.p_good, r.label) for r, j in zip(dev_rows, judgements, strict=True) if j.p_good is not None]
    threshold = fit_threshold([p for p, _ in fit], [y for _, y in fit])
    test = [(row["p_good"], row["label"]) for row in test_verdict["per_row"] if row["p_good"] is not None]
    calibrated_verdicts = [int(p >= threshold) for p, _ in test]
    labels = [y for _, y in test]
    length_cut, _ = dev_length_threshold(root)
    lengths = {r.line: char_length(r.response) for r in test_rows}
    length_verdicts = [
        int(lengths[row["line"]] >= length_cut) for row in test_verdict["per_row"] if row["p_good"] is not None
    ]
    judge = agreement_figures(calibrated_verdicts, labels, [p for p, _ in test], n_resamples=1000)
    rule = agreement_figures(
        length_verdicts,
        labels,
        [float(lengths[row["line"]]) for row in test_verdict["per_row"] if row["p_good"] is not None],
        n_resamples=1000,
    )
    return {
        "fit_rows": len(fit),
        "fit_seconds": round(seconds, 2),
        "threshold": threshold,
        "test_rows": len(test),
        "calibrated": {k: judge[k].to_dict() for k in ("accuracy", "kappa", "auc")},
        "length_rule": {"threshold": length_cut, **{k: rule[k].to_dict() for k in ("accuracy", "kappa", "auc")}},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--modes", default="verdict,reason")
    parser.add_argument("--before", type=int, default=0, help="rows to run through Inspect's own hf provider")
    parser.add_argument("--fit-rows", type=int, default=0)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    root = resolve_data_dir(args.data_dir)
    if root is None:
        raise SystemExit("needs the paper's data: --data-dir or $GREETBENCH_DATA_DIR")
    rows = sample_rows(root, "test", args.rows)
    name = resolve_model_name(args.model)
    started = time.perf_counter()
    model = get_model(name)
    report: dict[str, Any] = {
        "model": name,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "load_average_before": os.getloadavg(),
        "load_seconds": round(time.perf_counter() - started, 1),
        "results": [],
    }
    asyncio.run(judge_rows(model, rows[:1], reason=False))  # warm-up: first-call allocation, not judging cost
    for mode in args.modes.split(","):
        seconds, judgements = asyncio.run(judge_rows(model, rows, reason=mode == "reason"))
        report["results"].append(summary(mode, seconds, rows, judgements))
    if args.before:
        from harness.models.embedded import ensure_embedded_model, spec_named

        spec = spec_named(name.removeprefix("embedded/"))
        folder = str(ensure_embedded_model(spec=spec))
        plain = get_model("hf/local", model_path=folder, device="cpu")
        seconds, judgements = asyncio.run(judge_rows(plain, rows[: args.before], reason=True))
        report["results"].append(summary("reason, Inspect hf provider", seconds, rows[: args.before], judgements))
    verdict = next((r for r in report["results"] if r["mode"] == "verdict"), None)
    if args.fit_rows and verdict is not None:
        report["calibration"] = calibrated(root, model, rows, verdict, args.fit_rows)
    report["load_average_after"] = os.getloadavg()
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"model {name}; {report['machine']}; load average before {report['load_average_before']}")
    print("| mode | rows | s/item | unscored | output tokens mean / max | stop reasons | good | mean P(good) | AUC |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in report["results"]:
        auc = r["auc"]
        auc_text = f"{auc['value']:.3f} [{auc['ci_low']:.3f}, {auc['ci_high']:.3f}]" if auc and auc["ci_low"] else "–"
        print(
            f"| {r['mode']} | {r['rows']} | {r['seconds_per_item']:.3f} | {r['unscored']} | "
            f"{r['output_tokens_mean']} / {r['output_tokens_max']} | {r['stop_reasons']} | {r['good_share']} | "
            f"{r['p_good_mean']} | {auc_text} |"
        )
    if "calibration" in report:
        print(json.dumps(report["calibration"], indent=2))


if __name__ == "__main__":
    main()
