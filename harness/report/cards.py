"""Reliability cards: every agreement figure of one judge, beside the length rule on the same rows, as a dict.

One card per (judge, run): a judge scored in several agreement logs gets one card per distinguishing trait (split,
judge model, principles, reward-model checkpoint) that differs between them; among logs that do not differ in
any trait relevant to that judge, the most recent wins and the others are listed as superseded.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from inspect_ai.log import EvalLog

from harness.judge_names import JUDGE_SCORERS
from harness.leaderboard.logs import checkpoint_identity
from harness.report.logs import log_path, log_sha256
from harness.report.table import LENGTH_SCORER, PROBE_SCORER, probe_defended, probe_judge
from harness.slug import slug
from harness.stats import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    accuracy,
    agreement_figures,
    fit_threshold,
    length_controlled,
    length_strata,
    paired_difference,
)

CARD_VERSION = 2
"""2: judge-minus-length-rule paired intervals, epochs clustered by sample id, P(good) calibration."""

TRAITS_BY_JUDGE: dict[str, tuple[str, ...]] = {
    JUDGE_SCORERS["length"]: ("split",),
    JUDGE_SCORERS["constant"]: ("split",),
    JUDGE_SCORERS["rm"]: ("split", "rm_checkpoint"),
    JUDGE_SCORERS["principle"]: ("split", "judge_model", "principles", "judge_reason"),
    JUDGE_SCORERS["debate"]: ("split", "judge_model"),
    "panel": ("split", "judge_model", "principles", "rm_checkpoint"),
}
"""Run traits that can change a judge's verdicts (others, such as the judge model for the length rule, cannot)."""

ALL_TRAITS = ("split", "judge_model", "principles", "rm_checkpoint", "judge_reason")

CALIBRATION_METHOD = (
    "the accuracy-maximising cut of 'good iff P(good) >= cut' on the dev rows (the reward model's own threshold "
    "fit, harness.judges.reward_model.fit_threshold; lowest cut among equally accurate ones)"
)
"""How a calibrated verdict's threshold is fit (shown on the card)."""

CLEAN_SLICE_NOTE = (
    "rows whose query occurs in no training source (SFT, reward-model train, GRPO train). A smaller slice: its "
    "intervals are wider; read them before reading any difference from all rows."
)


@dataclass(frozen=True)
class CardSpec:
    """Which log and scorer a card is made from.

    Attributes:
        key: The card's file stem (``rm_judge``, ``rm_judge-all``, ``principle_judge-openai-gpt-4o``).
        judge: The scorer name.
        log: The agreement log used.
        superseded: Locations of older logs of the same judge and traits, not used.
        calibration_logs: Locations of ``split=dev`` logs of the same judge with the same other traits, latest
            first: where a P(good) threshold is fit when the card's own log holds no dev rows.
    """

    key: str
    judge: str
    log: EvalLog
    superseded: tuple[str, ...] = ()
    calibration_logs: tuple[str, ...] = ()


RM_IDENTITY_CHARS = 16
"""Hex characters of a reward model's identity kept in its trait (and so in a card's name): 64 bits."""


def run_traits(log: EvalLog) -> dict[str, str]:
    """The traits of an agreement run that can distinguish two cards of one judge.

    The reward model is known by its content identity (weights and threshold), never by its folder name, so two
    reward models saved as ``<out>/model`` get two cards and neither supersedes the other. A run that names a
    checkpoint but records no identity (an older log) gets a trait of its own (its eval id): nothing shows it
    is the same judge as another run.
    """
    args = log.eval.task_args or {}
    roles = {role: config.model for role, config in (log.eval.model_roles or {}).items()}
    return {
        "split": str(args.get("split") or (log.eval.metadata or {}).get("split") or "test"),
        "judge_model": str(roles.get("judge", "")),
        "principles": str(args.get("principles") or ""),
        "rm_checkpoint": _rm_trait(log) if args.get("rm_checkpoint") else "",
        # The principle judge's verdict-only mode is a different prompt: its own card.
        "judge_reason": "verdict-only" if str(args.get("judge_reason", True)).lower() == "false" else "with-reason",
    }


def _rm_trait(log: EvalLog) -> str:
    judge = JUDGE_SCORERS["rm"]
    scores = [(sample.scores or {}).get(judge) for sample in log.samples or []]
    identity = checkpoint_identity(log, judge, [(score.metadata or {}) if score else {} for score in scores])
    return f"rm-{identity[:RM_IDENTITY_CHARS]}" if identity else f"unidentified-{log.eval.eval_id}"


def card_specs(logs: Sequence[EvalLog]) -> list[CardSpec]:
    """One spec per judge and distinguishing run.

    Among logs that differ in nothing that matters for the judge, the card is made from the one with the most
    samples (the most evidence: a 40-row run that also carried the length baseline must not hide a full run of
    it), the latest on a tie; the others are listed on the card.

    Args:
        logs: Agreement logs, oldest first.

    Returns:
        Specs in order of first appearance.
    """
    by_judge: dict[str, list[EvalLog]] = defaultdict(list)
    for log in logs:
        for score in log.results.scores if log.results else []:
            by_judge[score.name].append(log)
    specs = []
    for judge, judge_logs in by_judge.items():
        relevant = TRAITS_BY_JUDGE.get(judge, ALL_TRAITS)
        traits = [run_traits(log) for log in judge_logs]
        varying = [t for t in relevant if len({trait[t] for trait in traits}) > 1]
        groups: dict[str, list[EvalLog]] = defaultdict(list)
        for log, trait in zip(judge_logs, traits, strict=True):
            key = "-".join([judge, *(slug(trait[t]) for t in varying)])
            groups[key].append(log)
        for key, group in groups.items():
            chosen = max(reversed(group), key=_sample_count)  # max keeps the first of equals: the latest
            others = tuple(log.location for log in group if log is not chosen)
            specs.append(CardSpec(key, judge, chosen, others, _calibration_logs(chosen, judge_logs, relevant)))
    return specs


def _calibration_logs(chosen: EvalLog, logs: Sequence[EvalLog], relevant: Sequence[str]) -> tuple[str, ...]:
    """The ``split=dev`` logs among ``logs`` that match ``chosen`` in every relevant trait but the split."""
    mine = run_traits(chosen)
    same = [t for t in relevant if t != "split"]
    found = [
        log.location
        for log in logs
        if log is not chosen and run_traits(log)["split"] == "dev" and all(run_traits(log)[t] == mine[t] for t in same)
    ]
    return tuple(reversed(found))


def _sample_count(log: EvalLog) -> int:
    return log.results.total_samples if log.results else 0


def _arrays(frame: pl.DataFrame, column: str) -> list[Any]:
    return frame.get_column(column).to_list()


def _difference(rows: pl.DataFrame, verdict: str, score: str | None, n_resamples: int, seed: int) -> dict[str, Any]:
    """A verdict column minus the length rule on the slice's rows where both gave one, paired bootstrap."""
    compared = paired_difference(
        _arrays(rows, verdict),
        _arrays(rows, "baseline_verdict"),
        _arrays(rows, "label"),
        None if score is None else _arrays(rows, score),
        _arrays(rows, "baseline_score"),
        clusters=_arrays(rows, "sample_id"),
        n_resamples=n_resamples,
        seed=seed,
    )
    return {
        "n": compared.n,
        "figures": {name: estimate.to_dict() for name, estimate in compared.difference.items()},
    }


def _slice_figures(
    rows: pl.DataFrame,
    has_scores: bool,
    n_resamples: int,
    seed: int,
    *,
    versus_baseline: bool = True,
    threshold: float | None = None,
) -> dict[str, Any]:
    """The judge's figures on a slice, the length rule's on the judge's scored rows, and judge minus rule.

    ``difference`` is the paired judge-minus-rule comparison (None without a baseline, or when ``versus_baseline``
    is False: the card of the rule itself). With a P(good) ``threshold``, ``calibrated`` holds the figures of the
    calibrated verdict (good iff P(good) >= threshold; rows without P(good) unscored) and its own difference.
    Epoch rows of one sample are resampled together (clustered by ``sample_id``).
    """
    judge = agreement_figures(
        _arrays(rows, "verdict"),
        _arrays(rows, "label"),
        _arrays(rows, "score") if has_scores else None,
        clusters=_arrays(rows, "sample_id"),
        n_resamples=n_resamples,
        seed=seed,
    )
    scored = rows.filter(pl.col("verdict").is_not_null())
    with_baseline = "baseline_verdict" in scored.columns
    baseline = None
    if with_baseline:
        baseline = agreement_figures(
            _arrays(scored, "baseline_verdict"),
            _arrays(scored, "label"),
            _arrays(scored, "baseline_score"),
            clusters=_arrays(scored, "sample_id"),
            n_resamples=n_resamples,
            seed=seed,
        ).to_dict()
    score = "score" if has_scores else None
    calibrated = None
    if threshold is not None:
        rows = rows.with_columns(
            pl.when(pl.col("p_good").is_null())
            .then(None)
            .otherwise((pl.col("p_good") >= threshold).cast(pl.Int8))
            .alias("calibrated_verdict")
        )
        figures = agreement_figures(
            _arrays(rows, "calibrated_verdict"),
            _arrays(rows, "label"),
            _arrays(rows, "p_good"),
            clusters=_arrays(rows, "sample_id"),
            n_resamples=n_resamples,
            seed=seed,
        )
        calibrated = {
            "threshold": threshold,
            "judge": figures.to_dict(),
            "difference": _difference(rows, "calibrated_verdict", "p_good", n_resamples, seed)
            if with_baseline and versus_baseline
            else None,
        }
    return {
        "rows": rows.height,
        "contaminated_rows": int(rows.get_column("contaminated").fill_null(False).sum()),
        "judge": judge.to_dict(),
        "baseline": baseline,
        "difference": _difference(rows, "verdict", score, n_resamples, seed)
        if with_baseline and versus_baseline
        else None,
        "calibrated": calibrated,
    }


def calibration_fit(spec: CardSpec, table: pl.DataFrame) -> dict[str, Any] | None:
    """Fit a P(good) threshold for a card's judge on dev-side rows, as the reward model's threshold is fit.

    The rows are the judge's rows with ``split_side == "dev"`` and a P(good) in the card's own log (a
    ``judge_agreement(calibrate=True)`` run, or a ``dev``/``all`` split), else in the latest matching ``split=dev``
    log (:attr:`CardSpec.calibration_logs`). Every epoch row counts as a fitting row.

    Edge cases:
        - The judge reports no P(good) anywhere (length rule, reward model, constant): None (nothing to calibrate).
        - P(good) on the reported rows but no dev rows with one: ``threshold`` None and a note saying how to get it.
        - Dev rows of one label only: ``threshold`` None (a cut fit there separates nothing).

    Returns:
        ``{"threshold", "fit_rows", "fit_good", "fit_accuracy", "fit_log", "fit_source", "method",
        "overlaps_reported_rows", "note"}``, or None.
    """
    mine = table.filter((pl.col("judge") == spec.judge) & pl.col("p_good").is_not_null())
    if mine.filter(pl.col("log") == spec.log.location).height == 0:
        return None
    reported = set(
        table.filter((pl.col("log") == spec.log.location) & pl.col("reported")).get_column("sample_id").to_list()
    )
    for location in (spec.log.location, *spec.calibration_logs):
        dev = mine.filter((pl.col("log") == location) & (pl.col("split_side") == "dev"))
        if dev.height == 0:
            continue
        p_good, labels = _arrays(dev, "p_good"), _arrays(dev, "label")
        fit: dict[str, Any] = {
            "threshold": None,
            "fit_rows": dev.height,
            "fit_good": int(sum(labels)),
            "fit_accuracy": None,
            "fit_log": location,
            "fit_source": "this log's dev rows" if location == spec.log.location else "a split=dev log of this judge",
            "method": CALIBRATION_METHOD,
            "overlaps_reported_rows": bool(reported & set(dev.get_column("sample_id").to_list())),
            "note": None,
        }
        if len(set(labels)) < 2:
            return {**fit, "note": "the dev rows with P(good) are all one label: no threshold can be fit"}
        threshold = fit_threshold(p_good, labels)
        fit_accuracy = accuracy([int(p >= threshold) for p in p_good], labels)
        return {**fit, "threshold": threshold, "fit_accuracy": fit_accuracy}
    return {
        "threshold": None,
        "fit_rows": 0,
        "fit_good": 0,
        "fit_accuracy": None,
        "fit_log": None,
        "fit_source": None,
        "method": CALIBRATION_METHOD,
        "overlaps_reported_rows": False,
        "note": "no dev-side rows with P(good) for this judge: run judge_agreement with calibrate=True (or give "
        "judge-report a split=dev log of the same judge) to get a calibrated verdict",
    }


def _p_good_rows(rows: pl.DataFrame) -> dict[str, Any]:
    """How many reported rows carry P(good), and why the others do not (the provider gave no logprobs, ...)."""
    missing = rows.filter(pl.col("p_good_missing_reason").is_not_null())
    return {
        "rows": int(rows.get_column("p_good").is_not_null().sum()),
        "missing": missing.height,
        "missing_reasons": dict(Counter(missing.get_column("p_good_missing_reason").to_list())),
    }


def _score_metadata(log: EvalLog, judge: str) -> dict[str, Any]:
    """Threshold and fit provenance from the first sample's score of ``judge`` (what every sample shares)."""
    keep = (
        "threshold",
        "threshold_source",
        "fit_on",
        "split_digest",
        "checkpoint",
        "rm_sha256",
        "rm_weights_sha256",
        "rm_threshold_sha256",
        "principles",
        "principles_sha256",
    )
    for sample in log.samples or []:
        score = (sample.scores or {}).get(judge)
        if score is not None and score.metadata:
            return {k: score.metadata[k] for k in keep if k in score.metadata}
    return {}


def _log_provenance(log: EvalLog, judge: str) -> dict[str, Any]:
    meta = log.eval.metadata or {}
    scorer = next((s for s in log.eval.scorers or [] if s.name == judge), None)
    return {
        "path": str(log_path(log)),
        "sha256": log_sha256(log),
        "eval_id": log.eval.eval_id,
        "run_id": log.eval.run_id,
        "created": log.eval.created,
        "task": log.eval.task,
        "task_version": log.eval.task_version,
        "task_args": dict(log.eval.task_args or {}),
        "model": log.eval.model,
        "model_roles": {role: config.model for role, config in (log.eval.model_roles or {}).items()},
        "scorer_options": dict(scorer.options or {}) if scorer else {},
        "split": meta.get("split"),
        "split_digest": meta.get("split_digest"),
        "split_provenance": meta.get("split_provenance"),
        "eval_set_sha256": meta.get("eval_set_sha256"),
        "contamination_digest": (meta.get("contamination") or {}).get("digest"),
        "principles": meta.get("principles"),
        "principles_sha256": meta.get("principles_sha256"),
        "overlaps_fitting_rows": meta.get("overlaps_fitting_rows"),
        "fitting_note": meta.get("fitting_note"),
        "judge_score_metadata": _score_metadata(log, judge),
        "baseline_score_metadata": _score_metadata(log, LENGTH_SCORER),
    }


def _probe_matches(spec: CardSpec, probe: EvalLog) -> bool:
    """A probe log belongs to a card when it probed the same judge with the same relevant traits.

    Relevant traits are those that can change that judge's verdicts (:data:`TRAITS_BY_JUDGE`) other than the split:
    the judge model and principles for an LLM judge, the checkpoint for the reward model, none for the length rule.
    A trait missing on either side does not block the match.
    """
    if probe_judge(probe) != spec.judge:
        return False
    card, probed = run_traits(spec.log), run_traits(probe)
    relevant = [t for t in TRAITS_BY_JUDGE.get(spec.judge, ALL_TRAITS) if t != "split"]
    return all(not card[t] or not probed[t] or card[t] == probed[t] for t in relevant)


def probe_section(spec: CardSpec, probes: Sequence[EvalLog]) -> dict[str, Any] | None:
    """The probe figures of a card's judge, the latest probe log per side (undefended, defended).

    Every metric of the probe log's ``probe`` scorer is read (:func:`probe_metrics`).

    Returns:
        ``{"undefended": {...} | None, "defended": {...} | None, "logs": [...]}``, or None when no probe log matches.
    """
    latest: dict[bool, EvalLog] = {}
    for probe in probes:  # oldest first: later ones replace earlier ones
        if _probe_matches(spec, probe):
            latest[probe_defended(probe)] = probe
    if not latest:
        return None
    section: dict[str, Any] = {"undefended": None, "defended": None, "logs": []}
    for defended, probe in sorted(latest.items()):
        section["defended" if defended else "undefended"] = probe_metrics(probe)
        section["logs"].append(
            {
                "path": str(log_path(probe)),
                "sha256": log_sha256(probe),
                "defended": defended,
                "created": probe.eval.created,
                "task_args": dict(probe.eval.task_args or {}),
                "model_roles": {role: config.model for role, config in (probe.eval.model_roles or {}).items()},
            }
        )
    return section


def probe_metrics(log: EvalLog) -> dict[str, dict[str, float | None]]:
    """Figure name -> ``{"value", "n", "ci_low", "ci_high"}`` from every metric of a probe log's ``probe`` scorer.

    Read generically: each metric not ending in ``_ci_low``, ``_ci_high`` or ``_n`` is a figure (``position_flip_rate``
    -> ``position_flip``, ``_rate`` dropped from the name); its interval is ``<metric>_ci_low``/``_ci_high`` and its
    count ``<metric>_n`` or, for ``<probe>_rate``, ``<probe>_n``. A count no figure claims is kept as a figure itself.
    """
    metrics: dict[str, float | None] = {}
    for score in log.results.scores if log.results else []:
        if score.name == PROBE_SCORER:
            metrics |= {name: None if m.value is None else float(m.value) for name, m in score.metrics.items()}
    figures: dict[str, dict[str, float | None]] = {}
    used: set[str] = set()
    for name in metrics:
        if name.endswith(("_ci_low", "_ci_high", "_n")):
            continue
        stem = name.removesuffix("_rate")
        entry: dict[str, float | None] = {"value": metrics[name]}
        used.add(name)
        for key, field in (
            (f"{name}_ci_low", "ci_low"),
            (f"{name}_ci_high", "ci_high"),
            (f"{name}_n", "n"),
            (f"{stem}_n", "n"),
        ):
            if key in metrics and field not in entry:
                entry[field] = metrics[key]
                used.add(key)
        figures[stem] = entry
    for name, value in metrics.items():
        if name not in used:
            figures[name] = {"value": value}
    return figures


def build_card(
    spec: CardSpec,
    table: pl.DataFrame,
    probes: Sequence[EvalLog] = (),
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """Every figure of one judge's card, JSON-ready.

    Figures are computed on all scored rows and on the decontaminated slice; the length rule's figures are on the
    same rows (the judge's scored rows of that slice) from the same log. Length strata and the length-controlled
    regression are on all scored rows. Only reported rows count (a ``calibrate=True`` run's extra dev rows are
    fit on, never reported), and a several-epoch log is bootstrapped by sample id.

    Besides the separate figures, each slice holds ``difference`` (judge minus the length rule: accuracy, kappa,
    and AUC where the judge has a score; paired bootstrap on the same resamples) and, for a judge reporting
    P(good) with a threshold fit on dev rows (``calibration``, see :func:`calibration_fit`), ``calibrated``: the
    calibrated verdict's figures and its own difference. ``rows.p_good`` counts rows with and without P(good).

    Args:
        spec: Which judge and log.
        table: The agreement table (:func:`harness.report.table.agreement_table`) holding the log's rows.
        probes: Probe logs (header only is enough), oldest first.
        n_resamples: Bootstrap resamples per slice.
        seed: Bootstrap seed.

    Returns:
        The card (see ``build_card(...).keys()``: judge, rows, calibration, slices, length_strata, length_control,
        confusion, probes, provenance, ...).
    """
    log_rows = table.filter((pl.col("log") == spec.log.location) & pl.col("reported"))
    rows = log_rows.filter(pl.col("judge") == spec.judge).sort("sample_id", "epoch")
    baseline = log_rows.filter(pl.col("judge") == LENGTH_SCORER).select(
        "sample_id",
        "epoch",
        pl.col("verdict").alias("baseline_verdict"),
        pl.col("score").alias("baseline_score"),
    )
    has_baseline = baseline.height > 0
    if has_baseline:
        rows = rows.join(baseline, on=["sample_id", "epoch"], how="left")
    has_scores = rows.get_column("score").is_not_null().any()
    scored = rows.filter(pl.col("verdict").is_not_null())
    reasons = Counter(rows.filter(pl.col("verdict").is_null()).get_column("unscored_reason").to_list())
    clean = rows.filter(pl.col("contaminated") == False)  # noqa: E712 (polars expression)
    calibration = calibration_fit(spec, table)
    slice_options = {
        "versus_baseline": spec.judge != LENGTH_SCORER,
        "threshold": None if calibration is None else calibration["threshold"],
    }
    all_slice = _slice_figures(rows, bool(has_scores), n_resamples, seed, **slice_options)
    lengths, verdicts, labels = _arrays(scored, "length"), _arrays(scored, "verdict"), _arrays(scored, "label")
    strata = length_strata(
        lengths,
        verdicts,
        labels,
        _arrays(scored, "score") if has_scores else None,
        _arrays(scored, "baseline_verdict") if has_baseline else None,
        clusters=_arrays(scored, "sample_id"),
        n_resamples=n_resamples,
        seed=seed,
    )
    rule = _arrays(scored, "baseline_verdict") if has_baseline else None
    control = {
        "judge": length_controlled(lengths, verdicts, labels).to_dict(),
        "judge_over_rule": None
        if rule is None or spec.judge == LENGTH_SCORER
        else length_controlled(lengths, verdicts, labels, controls=[rule]).to_dict(),
        "baseline": None if rule is None else length_controlled(lengths, rule, labels).to_dict(),
    }
    provenance = _log_provenance(spec.log, spec.judge)
    return {
        "card_version": CARD_VERSION,
        "card": spec.key,
        "judge": spec.judge,
        "baseline": LENGTH_SCORER if has_baseline else None,
        "is_baseline": spec.judge == LENGTH_SCORER,
        "split": provenance["split"],
        "overlaps_fitting_rows": provenance["overlaps_fitting_rows"],
        "fitting_note": provenance["fitting_note"],
        "rows": {
            "total": rows.height,
            "scored": scored.height,
            "unscored": rows.height - scored.height,
            "unscored_reasons": dict(reasons),
            "labelled_good": int(rows.get_column("label").sum()),
            "contaminated": int(rows.get_column("contaminated").fill_null(False).sum()),
            "decontaminated": clean.height,
            "samples": rows.get_column("sample_id").n_unique(),
            "p_good": _p_good_rows(rows),
        },
        "calibration": calibration,
        "slices": {
            "all": {"description": "every labelled row of the split", **all_slice},
            "decontaminated": {
                "description": CLEAN_SLICE_NOTE,
                **_slice_figures(clean, bool(has_scores), n_resamples, seed, **slice_options),
            },
        },
        "confusion": all_slice["judge"]["confusion"],
        "length_strata": [stratum.to_dict() for stratum in strata],
        "length_control": control,
        "probes": probe_section(spec, probes),
        "provenance": {
            "log": provenance,
            "superseded_logs": list(spec.superseded),
            "bootstrap": all_slice["judge"]["bootstrap"],
        },
        "plot": f"{spec.key}_length.png",
    }


def plot_arrays(table: pl.DataFrame, spec: CardSpec) -> dict[str, np.ndarray]:
    """The judge's scored rows as arrays for the length plot: length, label, verdict, score (NaN when none)."""
    rows = table.filter(
        (pl.col("log") == spec.log.location)
        & (pl.col("judge") == spec.judge)
        & pl.col("verdict").is_not_null()
        & pl.col("reported")
    )
    return {
        "length": rows.get_column("length").to_numpy().astype(float),
        "label": rows.get_column("label").to_numpy().astype(float),
        "verdict": rows.get_column("verdict").to_numpy().astype(float),
        "score": rows.get_column("score").cast(pl.Float64).fill_null(float("nan")).to_numpy(),
    }
