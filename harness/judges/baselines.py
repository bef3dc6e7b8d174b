"""Baseline judges that read no meaning: they exist to be beaten, and appear next to every judge.

The paper's human labels are ~90% predictable from length alone, so a judge that does not beat
:func:`length_judge` on agreement has not shown it reads quality.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from harness.creativity import char_length
from harness.data import DataFiles, LabelledGreeting, load_eval_set, resolve_data_dir, split_eval_set
from harness.data.checks import LENGTH_THRESHOLD
from harness.judges.judgement import Judgement
from harness.metrics import excellence_rate
from harness.stats import fit_integer_threshold


def length_judgement(response: str, threshold: int) -> Judgement:
    """Good iff the response has at least ``threshold`` characters (surrounding whitespace not counted)."""
    length = char_length(response)
    verdict = "good" if length >= threshold else "bad"
    return Judgement(verdict, f"{length} chars {'>=' if verdict == 'good' else '<'} {threshold}")


def fit_length_threshold(rows: Sequence[LabelledGreeting]) -> int:
    """The length cut-off that best reproduces the labels of ``rows`` (:func:`harness.stats.fit_integer_threshold`).

    Every observed length (and one past the longest) is tried; among equally accurate cut-offs the smallest
    wins, so the result is deterministic. Rows all good give the shortest length; rows all bad, one past the
    longest.

    Args:
        rows: Labelled rows, normally the dev split. Must not be empty.

    Returns:
        The threshold in characters.

    Raises:
        ValueError: If ``rows`` is empty.
    """
    if not rows:
        raise ValueError("cannot fit a length threshold on no rows")
    return fit_integer_threshold([char_length(r.response) for r in rows], [r.label for r in rows])


def dev_length_threshold(data_dir: str | Path | None = None) -> tuple[int, dict[str, object]]:
    """Fit the length threshold on the dev split of the eval set, or fall back to the documented default.

    Args:
        data_dir: The paper's data folder; None resolves ``$GREETBENCH_DATA_DIR`` or a fetched copy.

    Returns:
        (threshold, provenance). Without data the threshold is :data:`LENGTH_THRESHOLD` (39, the best cut on
        the upstream eval set) and the provenance says so.
    """
    root = resolve_data_dir(data_dir)
    if root is None:
        return LENGTH_THRESHOLD, {"fit_on": "default (no data): best cut on the upstream eval set"}
    split = split_eval_set(load_eval_set(DataFiles(root).eval_set))
    return fit_length_threshold(split.dev), {"fit_on": "dev", "split_seed": split.seed, "split_digest": split.digest}


@scorer(metrics=[excellence_rate()])
def length_judge(threshold: int | None = None, data_dir: str | None = None) -> Scorer:
    """The length rule: good iff the greeting has at least ``threshold`` characters.

    Args:
        threshold: Cut-off in characters; None fits it on the dev split of the eval set (see
            :func:`dev_length_threshold`).
        data_dir: The paper's data folder, for fitting.
    """
    if threshold is None:
        threshold, provenance = dev_length_threshold(data_dir)
    else:
        provenance = {"fit_on": "given"}

    async def score(state: TaskState, target: Target) -> Score:
        response = state.output.completion
        judgement = length_judgement(response, threshold)
        return Score(
            value=judgement.value,
            answer=response,
            explanation=judgement.reason,
            metadata={"threshold": threshold, **provenance},
        )

    return score


@scorer(metrics=[excellence_rate()])
def constant_judge(verdict: Literal["good", "bad"] = "good") -> Scorer:
    """Says the same verdict for every greeting: the floor any judge's agreement must clear."""

    async def score(state: TaskState, target: Target) -> Score:
        return Score(value=float(verdict == "good"), answer=state.output.completion, explanation=f"always {verdict}")

    return score
