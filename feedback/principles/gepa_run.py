"""GEPA beside the adversarial loop: the same Detector, roles, slices and judge-call budget.

GEPA (arXiv 2507.19457; the ``gepa`` package) evolves one text component, here the rule set written one rule a
line (:func:`~feedback.principles.rulesets.rules_as_text`), by reflecting on minibatches of the train slice and
keeping a Pareto front of candidates over the validation slice. A row scores 1 when the Detector's verdict under the
candidate matches its label and 0 otherwise (an unreadable verdict is a 0, as in the loop's selection). A candidate
that is not a usable rule set (over :data:`MAX_RULES` rules, empty) scores 0 on every row without a judge call.

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

from feedback.principles.detector import Detector
from feedback.principles.prompts import GEPA_COMPONENT
from feedback.principles.roles import ROLE_CONFIG
from feedback.principles.rulesets import MAX_RULES, RuleSetError, candidate, rules_as_text, rules_from_text
from feedback.principles.store import RunStore
from harness.data import LabelledGreeting
from harness.principles import Principles, Rule


@dataclass(frozen=True)
class GepaOutcome:
    """What GEPA chose.

    Attributes:
        rules: The best candidate's rules on the validation slice (the starting rules when none beat them).
        val_score: Its mean validation score.
        candidates: Candidates GEPA explored.
        metric_calls: Row evaluations GEPA counted (judge calls, before the run's replay cache).
    """

    rules: tuple[Rule, ...]
    val_score: float
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
    best = adapter.principles_of(result.best_candidate) or start
    return GepaOutcome(
        rules=best.rules,
        val_score=float(result.val_aggregate_scores[result.best_idx]),
        candidates=len(result.candidates),
        metric_calls=int(result.total_metric_calls or 0),
    )
