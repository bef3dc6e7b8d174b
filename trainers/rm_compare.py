"""One comparison table of reward-model recipes, every contender scored on the same rows, with its scores kept.

``greetbench train compare-rm NAME=CHECKPOINT ...`` scores each trained reward model (at its stored cut) and the
length rule on:

- the eval set's **test split**: accuracy, kappa and AUC, each minus the length rule with a paired interval;
- the same rows **within length quintiles**: the mean within-stratum AUC with its interval, and each contender
  minus the first (the reference, today's judge) paired (:func:`harness.stats.within_strata_auc`);
- the **RM test pairs**: accuracy on a seeded random sample of all pairs, on the pairs whose chosen greeting is not
  longer, and on those whose lengths are within 10% (all such pairs), beside pick-the-longer;
- the **probes** on held-out attack forms (:data:`harness.probes.PROBE_GROUPS` ``attacks``): each family's rate with
  its Wilson interval, padding flips by direction;
- the training run's CPU time and peak memory, from the checkpoint's ``rm_report.json``.

Each text is scored once per model (texts repeat across the sets). Every contender's scores go to
``<out>/scores/<name>.jsonl`` (set, id, query, response, score, verdict), so every figure can be recomputed without
a model; ``<out>/report.json`` and ``<out>/comparison.md`` hold the table.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.creativity import char_length
from harness.data import DataFiles, LabelledGreeting, PreferencePair, load_eval_set, split_eval_set
from harness.judges.judgement import Judgement
from harness.probes import PROBES, ProbeCase, ProbeJudge, ProbePool, ProbeSettings, build_probe_cases
from harness.probes.suite import run_probe_case
from trainers.rm_eval import SIMILAR_LENGTH_RATIO, ScoredPair, pairwise_report

LENGTH_RULE = "length rule"
PROBE_SET = "attacks"
PAIR_SAMPLE_SEED = 42
EMPTY_SCORE = -1e9
"""The ranking score of an empty response (judged bad without a forward pass): below any real score."""


@dataclass(frozen=True)
class ComparisonRows:
    """What every contender is scored on.

    Attributes:
        test: The eval set's test split.
        sample_pairs: A seeded random sample of the RM test pairs (the overall pair accuracy).
        controlled_pairs: Every RM test pair whose chosen side is not longer or whose lengths are within 10%.
        probes: The probe cases (held-out attack forms).
        length_cut: The length rule's cut, fitted on the dev split.
    """

    test: tuple[LabelledGreeting, ...]
    sample_pairs: tuple[PreferencePair, ...]
    controlled_pairs: tuple[PreferencePair, ...]
    probes: tuple[ProbeCase, ...]
    length_cut: int

    def texts(self) -> list[tuple[str, str]]:
        """Every distinct non-empty (query, response) to score, in a fixed order."""
        seen: dict[tuple[str, str], None] = {}
        for row in self.test:
            seen[(row.query, row.response)] = None
        for pair in (*self.sample_pairs, *self.controlled_pairs):
            seen[(pair.prompt, pair.chosen)] = seen[(pair.prompt, pair.rejected)] = None
        for case in self.probes:
            for text in (case.original, case.perturbed):
                if text is not None:
                    seen[(case.query, text)] = None
        return [key for key in seen if key[1].strip()]


def comparison_rows(data_dir: Path, *, pair_sample: int, probe_n: int, probe_seed: int = 0) -> ComparisonRows:
    """Cut the rows every contender is scored on (deterministic given the data and the arguments)."""
    from harness.judges.baselines import fit_length_threshold
    from trainers.data import read_preference_pairs

    files = DataFiles(data_dir)
    eval_rows = load_eval_set(files.eval_set)
    split = split_eval_set(eval_rows)
    pairs, _ = read_preference_pairs(files.rm_test)
    pairs = [p for p in pairs if p.chosen.strip() and p.rejected.strip() and p.chosen.strip() != p.rejected.strip()]
    sample = random.Random(PAIR_SAMPLE_SEED).sample(pairs, min(pair_sample, len(pairs)))
    controlled = [p for p in pairs if ScoredPair.from_pair(p, 0.0, 0.0).length_controlled(SIMILAR_LENGTH_RATIO)]
    pool = ProbePool.from_rows(eval_rows)
    cases = build_probe_cases(pool, PROBE_SET, probe_n, ProbeSettings(seed=probe_seed))
    return ComparisonRows(
        tuple(split.test), tuple(sample), tuple(controlled), tuple(cases), fit_length_threshold(split.dev)
    )


@dataclass(frozen=True)
class Contender:
    """One judge of the comparison: its scores on every text and its cut (score >= cut is good)."""

    name: str
    scores: dict[tuple[str, str], float]
    cut: float
    checkpoint: str | None = None
    training: dict[str, Any] | None = None
    identity: dict[str, Any] | None = None

    def score(self, query: str, response: str) -> float | None:
        """The score of a text (None for an empty response, which every judge calls bad)."""
        return self.scores.get((query, response)) if response.strip() else None

    def verdict(self, query: str, response: str) -> int:
        """1 good, 0 bad (an empty response is bad)."""
        score = self.score(query, response)
        return int(score is not None and score >= self.cut)


def length_contender(rows: ComparisonRows) -> Contender:
    """The length rule: the score is the length in characters, the cut fitted on dev."""
    return Contender(LENGTH_RULE, {key: float(char_length(key[1])) for key in rows.texts()}, float(rows.length_cut))


def reward_model_contender(
    name: str,
    checkpoint: Path,
    rows: ComparisonRows,
    batch_size: int,
    progress: bool,
    cached: dict[str, Contender] | None = None,
) -> Contender:
    """Score every text with a reward model at its stored cut (the judge's score: less its length head if any).

    An earlier run's contender (``cached``, :func:`cached_contenders`) is reused when it has this checkpoint's
    identity (weights and threshold file) and holds every text: a rerun rescores only what changed.
    """
    from harness.judges.reward_model import RewardModel, RewardModelError, reward_model_identity
    from trainers.rm_scoring import release_memory, score_with_progress

    identity = reward_model_identity(checkpoint).metadata()
    hit = next((c for c in (cached or {}).values() if c.identity == identity), None)
    # prepare-rm copies the run's report beside the weights; a training run leaves it beside the model folder
    report = _read_json(checkpoint / "rm_report.json") or _read_json(checkpoint.parent / "rm_report.json") or {}
    texts = rows.texts()
    if hit is not None and all(text in hit.scores for text in texts):
        return Contender(name, hit.scores, hit.cut, str(checkpoint), report.get("training"), identity)
    model = RewardModel.load(checkpoint)
    if model.threshold is None:
        raise RewardModelError(f"{checkpoint}: no stored threshold; the comparison judges at the stored cut")
    values = score_with_progress(model, texts, batch_size, f"{name} ({len(texts)} texts)", progress=progress)
    contender = Contender(
        name,
        dict(zip(texts, values, strict=True)),
        float(model.threshold),
        str(checkpoint),
        report.get("training"),
        identity,
    )
    RewardModel.forget(checkpoint)
    del model
    release_memory()
    return contender


def cached_contenders(out: Path) -> dict[str, Contender]:
    """The contenders of an earlier run in ``out`` by name (those with an identity and a scores file).

    A rerun matches them by identity to skip rescoring an unchanged model, or by name to keep a contender whose
    weights are not at hand (its scores, cut, checkpoint path and training record are what the earlier run wrote).
    """
    report = _read_json(out / "report.json") or {}
    found = {}
    for entry in report.get("contenders", []):
        path = out / "scores" / f"{_file_name(entry['name'])}.jsonl"
        if entry.get("identity") is None or not path.is_file():
            continue
        scores = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["score"] is not None:
                scores[(record["query"], record["response"])] = record["score"]
        contender = Contender(
            entry["name"], scores, entry["cut"], entry.get("checkpoint"), entry.get("training"), entry["identity"]
        )
        found[entry["name"]] = contender
    return found


def earlier_contender(name: str, rows: ComparisonRows, cached: dict[str, Contender], out: Path) -> Contender:
    """The contender named ``name`` in the earlier run in ``out``, which must hold a score for every text.

    Raises:
        RewardModelError: ``out`` has no such contender, or it was scored on other rows.
    """
    from harness.judges.reward_model import RewardModelError

    hit = cached.get(name)
    if hit is None:
        known = sorted(cached) or "none"
        raise RewardModelError(f"{out / 'report.json'}: no contender {name!r} to keep (it has {known})")
    missing = sum(text not in hit.scores for text in rows.texts() if text[1].strip())
    if missing:
        raise RewardModelError(
            f"{out / 'scores' / _file_name(name)}.jsonl: {missing} of these rows have no score; "
            f"name its checkpoint ({name}=CHECKPOINT) to rescore it"
        )
    return hit


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _cached_probe_judge(contender: Contender) -> ProbeJudge:
    """A probe judge that reads the contender's precomputed scores (the probes' own runners do the rest)."""

    async def judge(query: str, response: str, sampling: Any) -> Judgement:
        score = contender.score(query, response)
        if score is None:
            return Judgement("bad", "empty response", ())
        good = score >= contender.cut
        step = {"agent": contender.name, "reward": score, "threshold": contender.cut}
        return Judgement("good" if good else "bad", f"score {score:.4f} vs cut {contender.cut:.4f}", (step,))

    async def compare(query: str, a: str, b: str) -> Any:  # pragma: no cover - no pairwise probe in the set
        raise NotImplementedError("the comparison runs no pairwise probe")

    return ProbeJudge(contender.name, judge, compare)


def probe_figures(contender: Contender, cases: Sequence[ProbeCase]) -> dict[str, Any]:
    """Each probe family's rate (Wilson interval) and count, padding flips by direction, for one contender."""
    from harness.probes.metrics import pad_direction_flags
    from harness.stats import wilson_interval

    judge = _cached_probe_judge(contender)

    async def run_all() -> list[Any]:
        return [await run_probe_case(case, judge) for case in cases]

    outcomes = asyncio.run(run_all())
    figures: dict[str, Any] = {}

    def rate(flags: list[bool]) -> dict[str, Any]:
        low, high = wilson_interval(sum(flags), len(flags))
        return {"rate": sum(flags) / len(flags) if flags else None, "ci_low": low, "ci_high": high, "n": len(flags)}

    for name in dict.fromkeys(case.probe for case in cases):
        pairs = [(c, o) for c, o in zip(cases, outcomes, strict=True) if c.probe == name]
        figures[PROBES[name].metric] = rate([bool(o.failed) for _, o in pairs if o.failed is not None])
        if name == "length_pad":
            for stem, flags in pad_direction_flags([o.to_metadata() for _, o in pairs]).items():
                figures[stem] = rate(flags)
    return figures


def test_figures(contender: Contender, rule: Contender, rows: ComparisonRows) -> dict[str, Any]:
    """Accuracy, kappa and AUC on the test split, and each minus the length rule (paired)."""
    from harness.stats import agreement_figures, paired_difference

    labels = [row.label for row in rows.test]
    verdicts = [contender.verdict(row.query, row.response) for row in rows.test]
    scores = [_finite(contender.score(row.query, row.response)) for row in rows.test]
    rule_verdicts = [rule.verdict(row.query, row.response) for row in rows.test]
    rule_scores = [_finite(rule.score(row.query, row.response)) for row in rows.test]
    figures = agreement_figures(verdicts, labels, scores)
    difference = paired_difference(verdicts, rule_verdicts, labels, scores, rule_scores)
    out = {name: figures.figures[name].to_dict() for name in ("accuracy", "kappa", "auc")}
    out["minus_length_rule"] = {name: difference.difference[name].to_dict() for name in ("accuracy", "kappa", "auc")}
    return out


def _finite(score: float | None) -> float:
    """An empty response scores below everything (it is judged bad without a score); AUC needs finite scores."""
    return EMPTY_SCORE if score is None else score


def pair_figures(contender: Contender, rows: ComparisonRows) -> dict[str, Any]:
    """Pair accuracy on the random sample (all) and on the length-controlled pairs, beside pick-the-longer."""

    def scored(pairs: Sequence[PreferencePair]) -> list[ScoredPair]:
        return [
            ScoredPair.from_pair(p, contender.scores[(p.prompt, p.chosen)], contender.scores[(p.prompt, p.rejected)])
            for p in pairs
        ]

    sample = pairwise_report(scored(rows.sample_pairs)).subsets["all"]
    controlled = pairwise_report(scored(rows.controlled_pairs)).subsets
    return {
        "all (sample)": _subset(sample),
        "chosen not longer": _subset(controlled["chosen_not_longer"]),
        "within 10%": _subset(controlled["similar_length"]),
    }


def _subset(figures: Any) -> dict[str, Any]:
    return {
        "pairs": figures.pairs,
        "accuracy": figures.rm_accuracy,
        "longer_accuracy": figures.longer_accuracy,
        "difference": figures.difference,
        "difference_ci": figures.difference_ci,
    }


def compare_reward_models(
    checkpoints: Sequence[tuple[str, Path | None]],
    data_dir: Path,
    out: Path,
    *,
    pair_sample: int = 300,
    probe_n: int = 140,
    batch_size: int = 16,
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Score every checkpoint and the length rule on the same rows; write scores, ``report.json`` and ``comparison.md``.

    Args:
        checkpoints: (name, checkpoint folder) per reward model, the reference (today's judge) first. A folder of
            None keeps the contender of that name from the earlier run in ``out``, whose weights need not be here.
        data_dir: The paper's data folder.
        out: The report folder (created; a rerun overwrites it, reusing the scores of unchanged models).
        pair_sample: RM test pairs in the random sample of the overall pair accuracy.
        probe_n: Cases per probe family.
        batch_size: Pairs per forward pass.
        progress: Progress bars on stderr.
        log: Progress printer.

    Returns:
        The report (as written to ``report.json``).
    """
    from harness.probes import split_record
    from harness.stats import within_strata_auc
    from trainers.rm_compare_report import comparison_markdown

    rows = comparison_rows(data_dir, pair_sample=pair_sample, probe_n=probe_n)
    log(
        f"rows: {len(rows.test)} test rows, {len(rows.sample_pairs)} + {len(rows.controlled_pairs)} RM test pairs, "
        f"{len(rows.probes)} probe cases; {len(rows.texts())} distinct texts per model"
    )
    rule = length_contender(rows)
    cache = cached_contenders(out)
    # kept contenders are checked before any model is scored, so a wrong name costs nothing
    kept = {name: earlier_contender(name, rows, cache, out) for name, path in checkpoints if path is None}
    contenders = [
        kept[name] if path is None else reward_model_contender(name, path, rows, batch_size, progress, cache)
        for name, path in checkpoints
    ]
    contenders.append(rule)
    (out / "scores").mkdir(parents=True, exist_ok=True)
    for contender in contenders:
        _write_scores(out / "scores" / f"{_file_name(contender.name)}.jsonl", contender, rows)
    lengths = [char_length(row.response) for row in rows.test]
    strata = within_strata_auc(
        lengths,
        [[_finite(c.score(r.query, r.response)) for r in rows.test] for c in contenders],
        [row.label for row in rows.test],
    )
    report: dict[str, Any] = {
        "rows": {
            "test": len(rows.test),
            "sample_pairs": len(rows.sample_pairs),
            "controlled_pairs": len(rows.controlled_pairs),
            "probe_cases": len(rows.probes),
            "probe_set": PROBE_SET,
            "length_cut": rows.length_cut,
        },
        "attack_form_split": split_record(),
        "within_strata": {"edges": strata.edges, "strata_used": strata.strata_used, "rows": strata.rows},
        "contenders": [],
    }
    for i, contender in enumerate(contenders):
        report["contenders"].append(
            {
                "name": contender.name,
                "checkpoint": contender.checkpoint,
                "cut": contender.cut,
                "identity": contender.identity,
                "training": contender.training,
                "test": test_figures(contender, rule, rows),
                "within_strata_auc": strata.estimates[i].to_dict(),
                "within_strata_auc_minus_reference": strata.differences[i].to_dict(),
                "within_strata_per_stratum": strata.per_stratum[i],
                "pairs": pair_figures(contender, rows),
                "probes": probe_figures(contender, rows.probes),
            }
        )
        log(f"{contender.name}: scored")
    (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8")
    (out / "comparison.md").write_text(comparison_markdown(report), encoding="utf-8")
    return report


def _file_name(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name)


def _write_scores(path: Path, contender: Contender, rows: ComparisonRows) -> None:
    """One JSON line per scored item: which set, its id, the texts, the score and the verdict at the cut."""
    lines = []
    for row in rows.test:
        lines.append(("test", f"line-{row.line}", row.query, row.response, row.label))
    for tag, pairs in (("pair_sample", rows.sample_pairs), ("pair_controlled", rows.controlled_pairs)):
        for pair in pairs:
            lines.append((f"{tag}_chosen", f"pair-{pair.line}", pair.prompt, pair.chosen, None))
            lines.append((f"{tag}_rejected", f"pair-{pair.line}", pair.prompt, pair.rejected, None))
    for case in rows.probes:
        if case.original is not None:
            lines.append((f"{case.probe}_original", case.id, case.query, case.original, None))
        lines.append((f"{case.probe}_perturbed", case.id, case.query, case.perturbed or "", None))
    with path.open("w", encoding="utf-8") as handle:
        for kind, item, query, response, label in lines:
            record = {
                "set": kind,
                "id": item,
                "query": query,
                "response": response,
                "label": label,
                "score": contender.score(query, response),
                "verdict": contender.verdict(query, response),
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
