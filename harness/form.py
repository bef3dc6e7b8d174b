"""Form measures of a greeting that need no model."""

from __future__ import annotations

from inspect_ai.scorer import Score, Scorer, Target, mean, scorer, stderr
from inspect_ai.solver import TaskState


def char_length(text: str) -> int:
    """Length in characters (not tokens, not bytes) of the text without surrounding whitespace."""
    return len(text.strip())


@scorer(metrics=[mean(), stderr()])
def response_length() -> Scorer:
    """The greeting's length in characters.

    Reported beside every judge because the human labels of this benchmark are ~90% predictable from
    length alone: a judge whose excellence rate just tracks length adds little.
    """

    async def score(state: TaskState, target: Target) -> Score:
        response = state.output.completion
        return Score(value=char_length(response), answer=response)

    return score
