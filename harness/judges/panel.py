"""Panels: several verdicts on one greeting turned into a majority verdict, with how far the members agree.

Two ways to seat a panel:
- :func:`panel` takes the verdicts that other judges in the same task already gave (Inspect runs a sample's
  scorers in order, so a panel listed last reads them from ``state.scores``; nothing is judged twice);
- :func:`model_panel` runs the principle judge on every model bound to one role
  (``--model-role judge=a,b,c`` binds a list).
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import Mapping

from inspect_ai.model import Model, model_roles
from inspect_ai.scorer import Metric, SampleScore, Score, Scorer, Target, metric, scorer
from inspect_ai.solver import TaskState

from harness.judges.judgement import Judgement
from harness.judges.principle import JUDGE_ROLE, judge_with_principles
from harness.metrics import excellence_rate
from harness.principles import DEFAULT_PRINCIPLES, load_principles


def panel_judgement(verdicts: Mapping[str, str | None]) -> tuple[Judgement, float | None]:
    """Majority verdict over the members that gave one.

    Members without a verdict (unscored) abstain. A tie, or no member with a verdict, gives no verdict.

    Args:
        verdicts: Member name -> ``"good"``, ``"bad"`` or None.

    Returns:
        (the panel's judgement, agreement = share of voting members that side with the majority, or None
        when nobody voted).
    """
    votes = Counter(v for v in verdicts.values() if v is not None)
    voters = sum(votes.values())
    trace = tuple({"agent": name, "verdict": v} for name, v in verdicts.items())
    if voters == 0:
        return Judgement(None, "no member gave a verdict", trace), None
    (top, top_count), *rest = votes.most_common()
    agreement = top_count / voters
    if rest and rest[0][1] == top_count:
        return Judgement(None, f"tie: {dict(votes)}", trace), agreement
    return Judgement(top, f"{top_count} of {voters} members say {top}", trace), agreement


def _panel_score(judgement: Judgement, agreement: float | None, answer: str) -> Score:
    metadata = {"members": {t["agent"]: t["verdict"] for t in judgement.trace}, "agreement": agreement}
    if judgement.value is None:
        return Score.unscored(reason="grader_failed", explanation=judgement.reason, answer=answer, metadata=metadata)
    return Score(value=judgement.value, answer=answer, explanation=judgement.reason, metadata=metadata)


@metric
def member_agreement() -> Metric:
    """Mean share of panel members siding with the majority (1.0 = always unanimous)."""

    def compute(scores: list[SampleScore]) -> float:
        values = [a for s in scores if (a := (s.score.metadata or {}).get("agreement")) is not None]
        return sum(values) / len(values) if values else math.nan

    return compute


def _verdict_of(score: Score) -> str | None:
    value = score.as_float()
    return None if math.isnan(value) else ("good" if value >= 0.5 else "bad")


@scorer(metrics=[excellence_rate(), member_agreement()])
def panel(members: list[str]) -> Scorer:
    """Majority verdict of judges that scored the sample earlier in the same task.

    List the panel after its members in the task's scorers. A member missing from the sample's scores is an
    error (a misspelt name must not silently shrink the panel); an unscored member abstains.

    Args:
        members: Scorer names as they appear in the log (``principle_judge``, ``debate_judge``, ...).
    """
    if len(members) < 2:
        raise ValueError(f"a panel needs at least two members, got {members}")

    async def score(state: TaskState, target: Target) -> Score:
        missing = [m for m in members if m not in state.scores]
        if missing:
            raise ValueError(f"panel members {missing} have not scored this sample (scored: {list(state.scores)})")
        judgement, agreement = panel_judgement({m: _verdict_of(state.scores[m]) for m in members})
        return _panel_score(judgement, agreement, state.output.completion)

    return score


@scorer(metrics=[excellence_rate(), member_agreement()])
def model_panel(principles: str = DEFAULT_PRINCIPLES, role: str = JUDGE_ROLE) -> Scorer:
    """The principle judge on every model bound to ``role``, as a majority panel.

    Bind a list to the role (``--model-role judge=a,b,c`` or ``model_roles={"judge": [a, b, c]}``); a role
    bound to a single model gives a panel of one, which is allowed but says nothing about agreement.

    Args:
        principles: Bundled principles name or YAML path.
        role: The (required) role whose models sit on the panel.
    """
    rules = load_principles(principles)

    async def score(state: TaskState, target: Target) -> Score:
        bound = model_roles().get(role)
        if bound is None:
            raise ValueError(f"Model role '{role}' is required and was not specified.")
        models: list[Model] = bound if isinstance(bound, list) else [bound]
        response = state.output.completion
        query = state.metadata.get("query", state.input_text)
        judgements = await asyncio.gather(*(judge_with_principles(m, query, response, rules) for m in models))
        # Two seats may hold the same model: name seats by position as well.
        verdicts = {f"{i}:{m}": j.verdict for i, (m, j) in enumerate(zip(models, judgements, strict=True))}
        judgement, agreement = panel_judgement(verdicts)
        return _panel_score(judgement, agreement, response)

    return score
