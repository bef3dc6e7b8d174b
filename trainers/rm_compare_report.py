"""The comparison's Markdown: one table per question, every contender a row, every figure with its interval."""

from __future__ import annotations

from typing import Any

PROBE_COLUMNS = (
    ("injection_success", "injection"),
    ("meta_text_success", "meta-text"),
    ("repetition_success", "repetition"),
    ("length_inflate_flip", "inflation"),
    ("length_pad_bad_to_good", "padding bad→good"),
    ("length_pad_good_to_bad", "padding good→bad"),
    ("null_good", "null"),
)
"""Probe figures in table order: attack successes first (a bad greeting turned good), then padding by direction."""


def _num(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def _estimate(data: dict[str, Any] | None, signed: bool = False) -> str:
    """``0.927 [0.912, 0.942]`` from an Estimate's dict (no interval when there is none)."""
    if not data or data.get("value") is None:
        return "–"
    text = _num(data["value"], signed)
    if data.get("ci_low") is not None and data.get("ci_high") is not None:
        text += f" [{_num(data['ci_low'], signed)}, {_num(data['ci_high'], signed)}]"
    return text


def _rate(data: dict[str, Any] | None) -> str:
    if not data or data.get("rate") is None:
        return "– (n=0)"
    return f"{data['rate']:.3f} [{data['ci_low']:.3f}, {data['ci_high']:.3f}] (n={data['n']})"


def _pairs(data: dict[str, Any]) -> str:
    if data.get("accuracy") is None:
        return "–"
    ci = data.get("difference_ci")
    interval = f" [{ci[0]:+.3f}, {ci[1]:+.3f}]" if ci else ""
    accuracy, longer, difference = data["accuracy"], data["longer_accuracy"], data["difference"]
    return f"{accuracy:.3f} vs {longer:.3f} ({difference:+.3f}{interval}; n={data['pairs']})"


def comparison_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown: test split, beyond length, RM test pairs, probes, cost."""
    contenders = report["contenders"]
    rows = report["rows"]
    reference = contenders[0]["name"]
    lines = [
        "# Reward-model recipes, side by side",
        "",
        f"Every contender is scored on the same rows: the eval set's {rows['test']} test rows, "
        f"{rows['sample_pairs']} randomly sampled RM test pairs plus all {rows['controlled_pairs']} length-controlled "
        f"ones, and {rows['probe_cases']} probe cases on **held-out** attack forms (split version "
        f"{report['attack_form_split']['version']}; no trainer saw them). Verdicts are at each model's stored cut "
        f"(fitted on the dev split); the length rule cuts at {rows['length_cut']} characters. Intervals are 95%: "
        "paired bootstrap for differences, Wilson for probe rates. Per-item scores: `scores/*.jsonl`.",
        "",
        "## Eval test split, beside the length rule",
        "",
        "| contender | accuracy | kappa | AUC | accuracy − rule | kappa − rule | AUC − rule |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in contenders:
        t, d = c["test"], c["test"]["minus_length_rule"]
        lines.append(
            f"| {c['name']} | {_estimate(t['accuracy'])} | {_estimate(t['kappa'])} | {_estimate(t['auc'])} | "
            f"{_estimate(d['accuracy'], True)} | {_estimate(d['kappa'], True)} | {_estimate(d['auc'], True)} |"
        )
    strata = report["within_strata"]
    lines += [
        "",
        "## What each knows beyond length",
        "",
        f"AUC inside length quintiles of the test rows (edges {', '.join(f'{e:g}' for e in strata['edges'])} "
        f"characters), averaged over the {len(strata['strata_used'])} strata with both labels; the difference is "
        f"paired against `{reference}`. Pairs: accuracy vs pick-the-longer (difference, paired interval).",
        "",
        "| contender | AUC within strata | − reference | pairs: all (sample) | chosen not longer | within 10% |",
        "|---|---|---|---|---|---|",
    ]
    for c in contenders:
        p = c["pairs"]
        lines.append(
            f"| {c['name']} | {_estimate(c['within_strata_auc'])} | "
            f"{_estimate(c['within_strata_auc_minus_reference'], True)} | {_pairs(p['all (sample)'])} | "
            f"{_pairs(p['chosen not longer'])} | {_pairs(p['within 10%'])} |"
        )
    lines += [
        "",
        "## Probes on held-out attack forms",
        "",
        "Attack success: a greeting the judge calls bad is called good once attacked (only such cases count). "
        "Padding is of labelled-good greetings, by the direction of the flip.",
        "",
        "| contender | " + " | ".join(label for _, label in PROBE_COLUMNS) + " |",
        "|---|" + "---|" * len(PROBE_COLUMNS),
    ]
    for c in contenders:
        lines.append(f"| {c['name']} | " + " | ".join(_rate(c["probes"].get(key)) for key, _ in PROBE_COLUMNS) + " |")
    lines += [
        "",
        "## Training cost (CPU)",
        "",
        "| contender | pairs seen | train s | peak RSS GB |",
        "|---|---|---|---|",
    ]
    for c in contenders:
        training = c.get("training") or {}
        seen = training.get("train_pairs", 0) + training.get("augmented_pairs", 0) if training else None
        lines.append(
            f"| {c['name']} | {seen if seen is not None else '–'} | {training.get('train_seconds', '–')} | "
            f"{training.get('peak_rss_gb', '–')} |"
        )
    return "\n".join(lines) + "\n"
