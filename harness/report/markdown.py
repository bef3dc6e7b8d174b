"""Markdown for people: a judge's card and the index of cards, from the card dicts of :mod:`harness.report.cards`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.stats import FIGURES

SIGNIFICANCE = 0.05
"""The p-value below which a card says the verdict adds information over length."""

FEW_MINORITY = 30
"""A slice with fewer rows than this in its smaller label class gets a warning on its card."""

FIGURE_NAMES = {
    "accuracy": "accuracy",
    "precision": "precision",
    "recall": "recall",
    "f1": "F1",
    "kappa": "Cohen's kappa",
    "mcc": "MCC",
    "auc": "AUC (score)",
}


def fmt_estimate(estimate: dict[str, Any] | None, digits: int = 3) -> str:
    """``0.812 [0.790, 0.833]`` from an estimate dict; ``undefined`` or ``n/a`` when there is nothing to show."""
    if estimate is None:
        return "n/a"
    value = estimate.get("value")
    if value is None:
        return "undefined"
    text = f"{value:.{digits}f}"
    low, high = estimate.get("ci_low"), estimate.get("ci_high")
    if low is not None and high is not None:
        text += f" [{low:.{digits}f}, {high:.{digits}f}]"
    return text


def fmt_difference(estimate: dict[str, Any] | None, digits: int = 3) -> str:
    """``+0.012 [-0.010, +0.034]``: a signed difference and its interval; ``undefined`` or ``n/a`` as above."""
    if estimate is None:
        return "n/a"
    value = estimate.get("value")
    if value is None:
        return "undefined"
    text = f"{value:+.{digits}f}"
    low, high = estimate.get("ci_low"), estimate.get("ci_high")
    if low is not None and high is not None:
        text += f" [{low:+.{digits}f}, {high:+.{digits}f}]"
    return text


def beats_baseline(estimate: dict[str, Any] | None) -> str:
    """One phrase: does a judge-minus-rule interval lie above 0, below 0, or straddle it?

    ``not estimable`` without a value or without an interval (a point difference alone answers nothing).
    """
    if estimate is None or estimate.get("value") is None:
        return "not estimable"
    low, high = estimate.get("ci_low"), estimate.get("ci_high")
    if low is None or high is None:
        return "not estimable (no interval)"
    if low > 0:
        return "yes, better than the rule"
    if high < 0:
        return "no, worse than the rule"
    return "no evidence either way (the interval holds 0)"


def _difference_figure(slice_: dict[str, Any], name: str, key: str = "difference") -> str:
    section = slice_.get(key) if key == "difference" else (slice_.get("calibrated") or {}).get("difference")
    if not section:
        return "n/a"
    return fmt_difference(section["figures"].get(name))


def _figure(figures: dict[str, Any] | None, name: str) -> str:
    if figures is None:
        return "n/a"
    return fmt_estimate(figures["figures"].get(name))


def _p(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3g}" if value >= 1e-4 else f"{value:.1e}"


def _rows_line(figures: dict[str, Any] | None) -> str:
    if figures is None:
        return "n/a"
    return f"{figures['n']:,} ({figures['labelled_good']:,} / {figures['judged_good']:,})"


def _agreement_table(card: dict[str, Any]) -> list[str]:
    all_slice, clean = card["slices"]["all"], card["slices"]["decontaminated"]
    names = [n for n in FIGURES if n in all_slice["judge"]["figures"] or n == "auc"]
    header = "| figure | judge, all rows | length rule, same rows | judge, decontaminated | length rule, same rows |"
    lines = [header, "|---|---|---|---|---|"]
    for name in names:
        cells = [
            _figure(all_slice["judge"], name),
            _figure(all_slice["baseline"], name),
            _figure(clean["judge"], name),
            _figure(clean["baseline"], name),
        ]
        lines.append(f"| {FIGURE_NAMES[name]} | " + " | ".join(cells) + " |")
    lines.append(
        "| scored rows (labelled good / judged good) | "
        + " | ".join(
            _rows_line(f) for f in (all_slice["judge"], all_slice["baseline"], clean["judge"], clean["baseline"])
        )
        + " |"
    )
    lines.append(
        "| unscored rows | "
        + " | ".join(
            "n/a" if f is None else f"{f['unscored']:,}"
            for f in (all_slice["judge"], all_slice["baseline"], clean["judge"], clean["baseline"])
        )
        + " |"
    )
    return lines


def _difference_section(card: dict[str, Any]) -> list[str]:
    """Judge minus the length rule on the same rows, paired bootstrap, with the one-line answer."""
    all_slice, clean = card["slices"]["all"], card["slices"]["decontaminated"]
    if not all_slice.get("difference"):
        return []
    names = [n for n in ("accuracy", "kappa", "auc") if n in all_slice["difference"]["figures"]]
    lines = [
        "## Judge minus the length rule",
        "",
        "Paired bootstrap: in every resample the judge and the rule are scored on the same rows, and the interval "
        "is that of their difference, so it answers whether the judge beats the rule (above 0) or not; the two "
        "separate intervals above cannot, since both err on the same hard rows."
        + (" AUC compares the judge's score with length." if "auc" in names else ""),
        "",
        "| figure | all rows | decontaminated |",
        "|---|---|---|",
    ]
    lines += [
        f"| {FIGURE_NAMES[name]} | {_difference_figure(all_slice, name)} | {_difference_figure(clean, name)} |"
        for name in names
    ]
    lines.append(
        f"| rows (both scored) | {all_slice['difference']['n']:,} | "
        + ("n/a" if not clean.get("difference") else f"{clean['difference']['n']:,}")
        + " |"
    )
    answers = ", ".join(
        f"{FIGURE_NAMES[name]}: **{beats_baseline(all_slice['difference']['figures'].get(name))}**" for name in names
    )
    return [*lines, "", f"Does the judge beat the length rule on all rows? {answers}.", ""]


def _calibration_section(card: dict[str, Any]) -> list[str]:
    """The calibrated verdict (P(good) threshold fit on dev rows) beside the raw one, or why there is none."""
    fit = card.get("calibration")
    if not fit:
        return []
    lines = ["## Calibrated verdict (P(good) threshold fit on dev rows)", ""]
    if fit["threshold"] is None:
        return [*lines, f"No calibrated verdict: {fit['note']}.", ""]
    all_slice = card["slices"]["all"]
    calibrated = all_slice["calibrated"]
    lines.append(
        f"Threshold **{fit['threshold']:.4g}**: good iff P(good) >= it, fit on **{fit['fit_rows']:,} dev rows** "
        f"({fit['fit_good']:,} labelled good; accuracy there {fit['fit_accuracy']:.3f}) from {fit['fit_source']} "
        f"(`{fit['fit_log']}`), as {fit['method']}. The figures are on the card's "
        f"{calibrated['judge']['n']:,} reported rows with a P(good)."
    )
    if fit["overlaps_reported_rows"]:
        lines += ["", "> **Overlap:** the threshold was fit on some of these rows: its figures are optimistic."]
    names = [n for n in ("accuracy", "kappa", "auc") if n in calibrated["judge"]["figures"]]
    lines += [
        "",
        "| figure | raw verdict | calibrated verdict | length rule | calibrated − length rule |",
        "|---|---|---|---|---|",
    ]
    for name in names:
        cells = [
            _figure(all_slice["judge"], name),
            _figure(calibrated["judge"], name),
            _figure(all_slice["baseline"], name),
            _difference_figure(all_slice, name, "calibrated"),
        ]
        lines.append(f"| {FIGURE_NAMES[name]} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _p_good_sentence(card: dict[str, Any]) -> list[str]:
    p_good = card["rows"].get("p_good") or {}
    if not p_good.get("rows") and not p_good.get("missing"):
        return []
    text = f"P(good) (from logprobs at the verdict token) is on {p_good['rows']:,} of {card['rows']['total']:,} rows"
    if p_good["missing"]:
        reasons = ", ".join(f"{k} × {v}" for k, v in p_good["missing_reasons"].items())
        text += f"; missing on {p_good['missing']:,} ({reasons}), where the verdict stands alone"
    return [text + "."]


def _one_class_warnings(card: dict[str, Any]) -> list[str]:
    lines = []
    for name, label in (("all", "all rows"), ("decontaminated", "the decontaminated slice")):
        figures = card["slices"][name]["judge"]
        n, good = figures["n"], figures["labelled_good"]
        if n and good in (0, n):
            kind = "good" if good else "bad"
            lines.append(
                f"**Every scored row of {label} is labelled {kind}:** only accuracy (the share judged {kind}) means "
                "anything there; precision, recall, F1, kappa, MCC and AUC are degenerate or undefined."
            )
        elif n and min(good, n - good) < FEW_MINORITY:
            kind, count = ("good", good) if good < n - good else ("bad", n - good)
            lines.append(
                f"**Only {count} of {n:,} scored rows of {label} are labelled {kind}:** every figure that needs both "
                "classes (precision, recall, F1, kappa, MCC, AUC) rests on those few rows; read their intervals."
            )
    return ["", *lines] if lines else []


def _confusion(card: dict[str, Any]) -> list[str]:
    c = card["confusion"]
    return [
        "| | labelled good | labelled bad |",
        "|---|---|---|",
        f"| judged good | {c['tp']:,} | {c['fp']:,} |",
        f"| judged bad | {c['fn']:,} | {c['tn']:,} |",
    ]


def _chars(stratum: dict[str, Any]) -> str:
    low, high = stratum["min_length"], stratum["max_length"]
    if low is None:
        return "(empty)"
    return f"{low:.0f}–{high:.0f}"


def _strata(card: dict[str, Any]) -> list[str]:
    lines = [
        "| quintile | chars | rows | labelled good | judged good | judge accuracy | length-rule accuracy "
        "| judge kappa |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for stratum in card["length_strata"]:
        figures, baseline = stratum["figures"], stratum["baseline"]
        lines.append(
            f"| {stratum['index']} | {_chars(stratum)} | {figures['n']:,} | {figures['labelled_good']:,} | "
            f"{figures['judged_good']:,} | {_figure(figures, 'accuracy')} | {_figure(baseline, 'accuracy')} | "
            f"{_figure(figures, 'kappa')} |"
        )
    return lines


def _within_strata_sentence(card: dict[str, Any]) -> list[str]:
    """The within-strata AUC line: what the judge knows beyond length (the length rule is near 0.5 there)."""
    within = card.get("within_strata_auc")
    if not within or within["judge"].get("value") is None:
        return []
    return [
        f"**AUC within length strata** (mean over the {len(within['strata_used'])} quintiles with both labels, on "
        f"the judge's {within['on']}): judge {fmt_estimate(within['judge'])}, length rule "
        f"{fmt_estimate(within['length_rule'])}, judge − rule {fmt_difference(within['judge_minus_rule'])} "
        "(paired). Inside a quintile length hardly varies: this is what the judge knows beyond length.",
        "",
    ]


def _control_sentence(control: dict[str, Any] | None, who: str) -> list[str]:
    if control is None:
        return [f"- {who}: n/a"]
    if control["lr_statistic"] is None:
        return [f"- {who}: not estimable ({control['note']})"]
    coef = (
        f"verdict coefficient {control['verdict_coef']:.2f} [{control['verdict_ci_low']:.2f}, "
        f"{control['verdict_ci_high']:.2f}] log-odds (odds ratio {control['odds_ratio']:.3g})"
        if control["verdict_coef"] is not None
        else "verdict coefficient not estimable"
    )
    note = f" ({control['note']})" if control.get("note") else ""
    return [
        f"- {who}: {coef}; likelihood-ratio χ² = {control['lr_statistic']:.2f} (1 df), "
        f"p = {_p(control['p_value'])}{note}"
    ]


def verdict_adds(control: dict[str, Any] | None) -> str:
    """One line: does the verdict carry information beyond length (LR test at :data:`SIGNIFICANCE`)?"""
    if control is None or control.get("p_value") is None:
        return "not estimable"
    if control["p_value"] < SIGNIFICANCE:
        return f"yes (p = {_p(control['p_value'])})"
    return f"no evidence (p = {_p(control['p_value'])})"


def _probes(card: dict[str, Any]) -> list[str]:
    section = card.get("probes")
    if not section:
        return ["No probe log for this judge. Run `greetbench/judge_probes` and pass its log to `judge-report`."]
    undefended, defended = section.get("undefended") or {}, section.get("defended") or {}
    names = list(dict.fromkeys([*undefended, *defended]))

    def cell(entry: dict[str, Any] | None) -> str:
        if entry is None:
            return "–"
        text = fmt_estimate(entry)
        if entry.get("n") is not None:
            text += f" (n={entry['n']:.0f})"
        return text

    lines = ["| probe | undefended | defended |", "|---|---|---|"]
    lines += [f"| {name} | {cell(undefended.get(name))} | {cell(defended.get(name))} |" for name in names]
    lines.append("")
    lines.append("Rates are failure rates (lower is better) as the probe task reports them, with their 95% intervals.")
    return lines


def _provenance(card: dict[str, Any]) -> list[str]:
    log = card["provenance"]["log"]
    boot = card["provenance"]["bootstrap"]
    lines = [
        f"- log `{log['path']}` (sha256 `{log['sha256']}`), created {log['created']}, eval id `{log['eval_id']}`",
        f"- split `{log['split']}`, digest `{log['split_digest']}`; eval set sha256 `{log['eval_set_sha256']}`",
        f"- contamination index digest `{log['contamination_digest']}`",
        f"- principles `{log['principles']}` sha256 `{log['principles_sha256']}`",
        "- models: "
        + (", ".join(f"{role} = `{model}`" for role, model in log["model_roles"].items()) or "no model roles")
        + f"; model under test `{log['model']}`",
    ]
    if log["scorer_options"]:
        lines.append(f"- scorer options: `{log['scorer_options']}`")
    for who, meta in (("judge", log["judge_score_metadata"]), ("length rule", log["baseline_score_metadata"])):
        if "threshold" in meta:
            fit = meta.get("fit_on") if isinstance(meta.get("fit_on"), str) else meta.get("threshold_source", "")
            lines.append(f"- {who} threshold {meta['threshold']:.6g} ({fit or 'given'})")
    for probe in (card.get("probes") or {}).get("logs", []):
        side = "defended" if probe["defended"] else "undefended"
        lines.append(f"- probe log ({side}) `{probe['path']}` (sha256 `{probe['sha256']}`)")
    for old in card["provenance"]["superseded_logs"]:
        lines.append(f"- not used (an older run of the same judge and traits): `{old}`")
    if card["provenance"].get("paths_relative_to"):
        lines.append(f"- paths are relative to {card['provenance']['paths_relative_to']}")
    lines.append(
        f"- intervals: {boot['method']} bootstrap, {boot['resamples']:,} paired resamples, seed {boot['seed']}; "
        f"no interval when over {boot['max_undefined_share']:.0%} of resamples leave a figure undefined"
    )
    return lines


def card_markdown(card: dict[str, Any]) -> str:
    """A judge's reliability card as Markdown (short; figures as ``value [95% CI]``)."""
    rows = card["rows"]
    title = card["judge"] if card["card"] == card["judge"] else f"{card['judge']} ({card['card']})"
    lines = [f"# Reliability card: `{title}`", ""]
    intro = (
        f"`{card['judge']}` judged {rows['total']:,} labelled greetings of the **{card['split']}** split: "
        f"{rows['scored']:,} scored, **{rows['unscored']:,} unscored** (left out of every figure"
        + (f": {', '.join(f'{k} × {v}' for k, v in rows['unscored_reasons'].items())}" if rows["unscored"] else "")
        + f"). {rows['labelled_good']:,} rows are labelled good."
    )
    lines.append(intro)
    if rows.get("samples") is not None and rows["samples"] < rows["total"]:
        lines.append(
            f"The {rows['total']:,} rows are {rows['samples']:,} samples over several epochs: intervals resample "
            "samples, each with all its epochs."
        )
    lines += _p_good_sentence(card)
    if card["is_baseline"]:
        lines.append("This judge *is* the length rule: its own columns and the baseline columns coincide.")
    elif card["baseline"] is None:
        lines.append("**The log has no length-rule scores: no baseline figures.**")
    else:
        lines.append(
            "The labels come from click behaviour and are mostly length, so every figure stands beside the length "
            f"rule (`{card['baseline']}`) on the same rows."
        )
    if card["overlaps_fitting_rows"]:
        lines += ["", f"> **Overlap:** {card['fitting_note']}."]
    lines += ["", "## Agreement with the labels", "", *_agreement_table(card), ""]
    lines.append(
        f"Decontaminated: {rows['decontaminated']:,} of {rows['total']:,} "
        + card["slices"]["decontaminated"]["description"]
    )
    lines += _one_class_warnings(card)
    lines += ["", *_difference_section(card), *_calibration_section(card)]
    lines += ["## Confusion matrix (all scored rows)", "", *_confusion(card), ""]
    lines += [
        "## By length",
        "",
        "Quintiles of the scored rows' own lengths (many rows share a length, so quintiles differ in size). Inside a "
        "quintile the labels are mostly one class: kappa is often undefined or wide there.",
        "",
        *_strata(card),
        "",
        *_within_strata_sentence(card),
    ]
    control = card["length_control"]
    lines += [
        "## What the judge adds over length",
        "",
        "Logistic regression of the label on log(1 + chars), with and without the verdict; the likelihood-ratio "
        "test asks whether the verdict predicts the label once length is known. That length model is smooth, so a "
        'sharp cut can beat it: the length rule\'s own line shows how much a pure length rule "adds", and the '
        "last line controls for the rule too.",
        "",
        *_control_sentence(control["judge"], "judge over log length"),
        *_control_sentence(control["baseline"], "length rule over log length, same rows"),
        *(
            _control_sentence(control["judge_over_rule"], "judge over log length and the length rule")
            if control.get("judge_over_rule")
            else []
        ),
        "",
        f"Does the verdict add information over length? **{verdict_adds(control['judge'])}**"
        + (
            f"; over length and the length rule? **{verdict_adds(control['judge_over_rule'])}**"
            if control.get("judge_over_rule")
            else ""
        ),
        "",
        "## Reliability probes",
        "",
        *_probes(card),
        "",
        "## Verdicts against length",
        "",
        f"![verdicts and labels by length]({card['plot']})",
        "",
        "## Provenance",
        "",
        *_provenance(card),
        "",
    ]
    return "\n".join(lines)


def index_markdown(cards: Sequence[dict[str, Any]], skipped: Sequence[tuple[str, str]] = ()) -> str:
    """The index: one line per card with its headline figures beside the length rule's on the same rows."""
    lines = [
        "# Judge reliability cards",
        "",
        "Agreement with the human labels (accuracy, Cohen's kappa) with 95% bootstrap intervals, beside the length "
        "rule on the same rows; judge minus rule with paired intervals (above 0: the judge beats the rule); "
        "whether the verdict adds information over length; AUC within length quintiles (what the judge knows "
        "beyond length; the length rule is near 0.5 there); unscored rows counted.",
        "",
        "| card | split | rows | unscored | accuracy | length-rule accuracy | kappa | length-rule kappa "
        "| judge − rule accuracy | judge − rule kappa | adds over log length | adds over length + rule "
        "| AUC within length strata | probes |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for card in cards:
        all_slice = card["slices"]["all"]
        probes = card.get("probes")
        sides = [] if not probes else [s for s in ("undefended", "defended") if probes.get(s)]
        over_rule = card["length_control"].get("judge_over_rule")
        lines.append(
            f"| [{card['card']}](cards/{card['card']}.md) | {card['split']}"
            + (" (overlaps fit)" if card["overlaps_fitting_rows"] else "")
            + f" | {card['rows']['total']:,} | {card['rows']['unscored']:,} | "
            f"{_figure(all_slice['judge'], 'accuracy')} | {_figure(all_slice['baseline'], 'accuracy')} | "
            f"{_figure(all_slice['judge'], 'kappa')} | {_figure(all_slice['baseline'], 'kappa')} | "
            f"{_difference_figure(all_slice, 'accuracy')} | {_difference_figure(all_slice, 'kappa')} | "
            f"{verdict_adds(card['length_control']['judge'])} | "
            f"{verdict_adds(over_rule) if over_rule else '–'} | "
            f"{fmt_estimate((card.get('within_strata_auc') or {}).get('judge'))} | "
            f"{', '.join(sides) or '–'} |"
        )
    if skipped:
        lines += ["", "Logs not used:", ""]
        lines += [f"- `{location}`: {why}" for location, why in skipped]
    lines.append("")
    return "\n".join(lines)
