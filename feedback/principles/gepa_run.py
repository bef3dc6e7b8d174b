"""GEPA beside the adversarial loop: the same Detector, roles, slices and judge-call budget.

GEPA (arXiv 2507.19457; the ``gepa`` package) evolves one text component, here the rule set written one rule a
line (:func:`~feedback.principles.rulesets.rules_as_text`), by reflecting on minibatches of the train slice and
keeping a Pareto front of candidates over the validation slice. A row scores 1 when the Detector's verdict under the
candidate matches its label and 0 otherwise (an unreadable verdict is a 0, as in the loop's selection). A candidate
that is not a usable rule set (over :data:`MAX_RULES` rules, empty) scores 0 on every row without a judge call.

Which rule set the run ends with is not GEPA's own best candidate but :func:`final_choice` over GEPA's pool, by the
adversarial loop's rule (:func:`~feedback.principles.selection.rejection`): the highest balanced accuracy on the
validation slice among candidates that judge some validation rows good and some bad, and only when it is above
the starting rules'. The guard is applied at the end rather than folded into the per-row scores because no per-row
score can carry it: GEPA's Pareto front keeps, for each validation row, the candidates best on that row, and a
judge that says "bad" to everything is right on every bad row whatever each row is worth, so reweighting rows
(e.g. by inverse label frequency, which makes GEPA's mean the balanced accuracy) would still leave it a parent and
could still make it the best mean when every honest candidate is worse than chance. Whether a candidate judges
every row alike is a property of the whole slice, so it is checked on the whole slice, once, after the search; the
per-row scores stay the plain 0/1 GEPA reflects on. Every candidate in GEPA's pool was judged on the whole
validation slice during the run (GEPA's full-evaluation policy), so the final choice replays those judgements
from the run's record and spends no judge call.

GEPA is synchronous: it runs in a worker thread, and its calls into the Detector and the reflection model hop back
onto the event loop, so judgements are batched and recorded exactly as the loop's are. Its own state lives in
``<run>/gepa`` (GEPA resumes from it); the Detector's judgements are replayed from the run's record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.from_thread
from inspect_ai.model import ChatMessageSystem, ChatMessageUser, Model

from feedback.principles.detector import Detector, SliceAgreement, slice_agreement
from feedback.principles.prompts import GEPA_COMPONENT
from feedback.principles.roles import ROLE_CONFIG
from feedback.principles.rulesets import MAX_RULES, RuleSetError, candidate, rules_as_text, rules_from_text
from feedback.principles.selection import rejection
from feedback.principles.store import RunStore
from harness.data import LabelledGreeting
from harness.principles import Principles, Rule


@dataclass(frozen=True)
class FinalChoice:
    """The rule set a GEPA run ends with, and why each other candidate was not it.

    Attributes:
        index: Its index in GEPA's pool (0: GEPA's seed, the starting rules, kept when no candidate passed).
        rules: Its rules.
        val: Its agreement on the validation slice.
        considered: One record per candidate after the seed, in pool order: ``candidate`` (pool index),
            ``balanced_accuracy`` (None when unusable or undefined) and ``rejection`` (None for the one chosen
            only; a short reason for every other).
    """

    index: int
    rules: Principles
    val: SliceAgreement
    considered: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class GepaOutcome:
    """What a GEPA run ended with.

    Attributes:
        rules: The chosen rules (:func:`final_choice`; the starting rules when no candidate passed).
        val: Their agreement on the validation slice (balanced accuracy, accuracy, verdict counts).
        chosen: The chosen candidate's index in GEPA's pool (0: the starting rules).
        gepa_best: The index GEPA itself picked (highest mean per-row score); differs from ``chosen`` when that
            candidate was refused (e.g. one class only) or beaten on balanced accuracy.
        considered: The final choice's record of every candidate (:class:`FinalChoice`).
        candidates: Candidates GEPA explored.
        metric_calls: Row evaluations GEPA counted (judge calls, before the run's replay cache).
    """

    rules: tuple[Rule, ...]
    val: SliceAgreement
    chosen: int
    gepa_best: int
    considered: tuple[dict[str, Any], ...]
    candidates: int
    metric_calls: int


class GreetingJudgeAdapter:
    """GEPA's adapter: a candidate rule set judges labelled rows through the Detector."""

    propose_new_texts = None
    """None: GEPA proposes new rule sets with its own reflection prompt, through the reflection LM."""

    def __init__(self, detector: Detector, name: str) -> None:
        self.detector = detector
        self.name = name

    def principles_of(self, candidate_texts: Mapping[str, str]) -> Principles | None:
        try:
            return candidate(self.name, rules_from_text(candidate_texts[GEPA_COMPONENT]))
        except RuleSetError:
            return None

    def evaluate(self, batch: list[LabelledGreeting], candidate_texts: dict[str, str], capture_traces: bool = False):
        """Score each row 1 (verdict matches the label) or 0; traces say what the Detector did."""
        from gepa.core.adapter import EvaluationBatch

        rules = self.principles_of(candidate_texts)
        if rules is None:
            note = f"not a usable rule set (one rule a line, at most {MAX_RULES})"
            traces = [{"row": row, "verdict": None, "reason": note} for row in batch]
            return EvaluationBatch(outputs=[None] * len(batch), scores=[0.0] * len(batch), trajectories=traces)
        judgements = anyio.from_thread.run(self.detector.judge_rows, rules, batch)
        scores = [
            float(j.verdict is not None and int(j.verdict == "good") == row.label)
            for row, j in zip(batch, judgements, strict=True)
        ]
        traces = [
            {"row": row, "verdict": j.verdict, "reason": j.reason} for row, j in zip(batch, judgements, strict=True)
        ]
        return EvaluationBatch(
            outputs=[j.verdict for j in judgements], scores=scores, trajectories=traces if capture_traces else None
        )

    def make_reflective_dataset(
        self, candidate_texts: dict[str, str], eval_batch: Any, components_to_update: list[str]
    ) -> dict[str, list[dict[str, Any]]]:
        """Per row: the request and greeting, the Detector's verdict, and whether it matched the human label."""
        records = []
        for trace, score in zip(eval_batch.trajectories or [], eval_batch.scores, strict=False):
            row: LabelledGreeting = trace["row"]
            label = "good" if row.label else "bad"
            feedback = (
                f"correct: the human label is {label}"
                if score
                else f"wrong: the human label is {label}, the judge said {trace['verdict'] or 'nothing readable'}"
            )
            records.append(
                {
                    "Inputs": {"request": row.query, "greeting": row.response},
                    "Generated Outputs": f"verdict: {trace['verdict']}; {trace['reason']}",
                    "Feedback": feedback,
                }
            )
        return {component: records for component in components_to_update}


def reflection_lm(model: Model):
    """GEPA's reflection LM (a ``str -> str`` callable) over an Inspect model, called from GEPA's worker thread."""

    async def ask(prompt: str | list[dict[str, Any]]) -> str:
        if isinstance(prompt, str):
            messages = [ChatMessageUser(content=prompt)]
        else:
            messages = [
                ChatMessageSystem(content=m["content"])
                if m.get("role") == "system"
                else ChatMessageUser(content=m["content"])
                for m in prompt
            ]
        return (await model.generate(messages, config=ROLE_CONFIG)).completion

    def call(prompt: str | list[dict[str, Any]]) -> str:
        return anyio.from_thread.run(ask, prompt)

    return call


async def optimize_with_gepa(
    start: Principles,
    reflector: Model,
    detector: Detector,
    store: RunStore,
    train: Sequence[LabelledGreeting],
    val: Sequence[LabelledGreeting],
    budget: int,
    seed: int = 0,
) -> GepaOutcome:
    """Run (or resume) GEPA on the rule set within ``budget`` row evaluations.

    Args:
        start: The starting rules (GEPA's seed candidate).
        reflector: The model that proposes new rule sets (the Reflector role).
        detector: The Detector (its judgements are recorded in the run).
        store: The run folder; GEPA keeps its state in ``<run>/gepa``.
        train: Rows GEPA reflects on.
        val: Rows candidates are chosen on.
        budget: GEPA's ``max_metric_calls``.
        seed: GEPA's seed.
    """
    import gepa

    adapter = GreetingJudgeAdapter(detector, start.name)

    def run() -> Any:
        return gepa.optimize(
            seed_candidate={GEPA_COMPONENT: rules_as_text(start.rules)},
            trainset=list(train),
            valset=list(val),
            adapter=adapter,
            reflection_lm=reflection_lm(reflector),
            max_metric_calls=budget,
            reflection_minibatch_size=min(4, len(train)),
            run_dir=str(store.folder / "gepa"),
            seed=seed,
            display_progress_bar=False,
            raise_on_exception=False,
        )

    result = await anyio.to_thread.run_sync(run)
    pool = [adapter.principles_of(texts) for texts in result.candidates[1:]]
    choice = await final_choice(start, pool, detector, val)
    return GepaOutcome(
        rules=choice.rules.rules,
        val=choice.val,
        chosen=choice.index,
        gepa_best=int(result.best_idx),
        considered=choice.considered,
        candidates=len(result.candidates),
        metric_calls=int(result.total_metric_calls or 0),
    )


async def final_choice(
    start: Principles,
    pool: Sequence[Principles | None],
    detector: Detector,
    val: Sequence[LabelledGreeting],
) -> FinalChoice:
    """The rule set a GEPA run ends with: the starting rules unless a candidate passes the loop's rule.

    Candidates are taken in pool order and each is compared with the best so far (the starting rules first) by
    :func:`~feedback.principles.selection.rejection`, so the result is the candidate with the highest balanced
    accuracy among those that judge some validation rows good and some bad, provided it beats the starting rules;
    ties go to the earlier candidate.

    Edge cases: an unusable candidate (None) is refused without a judge call; a candidate with the starting rules'
    text is refused as not above them; the starting rules are kept as they are, whatever they score.

    Args:
        start: The starting rules (GEPA's seed, pool index 0).
        pool: GEPA's other candidates as rule sets (None where not usable), in pool order (index 1 first).
        detector: The Detector (judgements GEPA made are replayed from the run's record).
        val: The validation slice.
    """
    best_index, best = 0, start
    best_val = slice_agreement(await detector.judge_rows(start, val), val)
    considered: list[dict[str, Any]] = []
    for index, rules in enumerate(pool, start=1):
        if rules is None:
            considered.append({"candidate": index, "balanced_accuracy": None, "rejection": "not a usable rule set"})
            continue
        agreement = slice_agreement(await detector.judge_rows(rules, val), val)
        reason = rejection(agreement, best_val)
        considered.append({"candidate": index, "balanced_accuracy": agreement.balanced_accuracy, "rejection": reason})
        if reason is None:
            best_index, best, best_val = index, rules, agreement
    beaten = f"beaten by candidate {best_index} (balanced accuracy {best_val.balanced_accuracy or 0.0:.3f})"
    for record in considered:  # passed when it came, then beaten by a later one
        if record["rejection"] is None and record["candidate"] != best_index:
            record["rejection"] = beaten
    return FinalChoice(best_index, best, best_val, tuple(considered))
