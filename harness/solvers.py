"""Solvers shared by greetbench tasks."""

from __future__ import annotations

from inspect_ai.model import ModelOutput
from inspect_ai.solver import Generate, Solver, TaskState, solver

GIVEN_RESPONSE_KEY = "response"
"""Sample metadata key holding a response written before the eval (labelled data, a reference run)."""


@solver
def given_response(key: str = GIVEN_RESPONSE_KEY) -> Solver:
    """Use the sample's own response as the output, so judges score existing text and no model generates.

    Args:
        key: Metadata key holding the response.

    Raises:
        KeyError: At solve time, when a sample lacks the key (naming the sample).
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        if key not in state.metadata:
            raise KeyError(f"sample {state.sample_id!r} has no metadata[{key!r}] to use as the response")
        state.output = ModelOutput.from_content(model="given", content=str(state.metadata[key]))
        return state

    return solve
