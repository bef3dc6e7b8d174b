"""label_agreement through Inspect's epoch reducer (pytest-inspect-evals' gates).

The rows are those of the hand-built test in test_task.py (dev rows to calibrate on, test rows to report, one row
without P(good)), here scored as a judge scorer writes them and reduced by a real mockllm eval.
"""

from __future__ import annotations

import pytest
from inspect_ai.scorer import Metric, Score
from pytest_inspect_evals.metrics import assert_agreeing_epochs_change_nothing, run_metrics

from tasks.judge_agreement.task import label_agreement

pytestmark = pytest.mark.usefixtures("offline_metric_gates")

DEV = [(0.9, 1), (0.8, 1), (0.3, 0), (0.6, 0), (0.7, 1), (0.2, 0)]
"""(P(good), label) of the dev rows, all judged good; the best cut lies between 0.6 and 0.7."""

TEST = [(1.0, 1, 50, 0.95), (1.0, 0, 20, 0.62), (1.0, 1, 30, 0.66), (0.0, 0, 45, 0.40), (1.0, 1, 60, 0.64)]
"""(verdict, label, characters, P(good)) of the reported rows; the length rule's cut is 40 characters."""


def _rows() -> tuple[list[Score], list[dict]]:
    scores, metadata = [], []
    for p_good, label in DEV:
        scores.append(Score(value=1.0, metadata={"p_good": p_good}))
        metadata.append({"label": label, "length": 50, "response": "祝" * 50, "split_side": "dev", "reported": False})
    for verdict, label, chars, p_good in TEST:
        scores.append(Score(value=verdict, metadata={"p_good": p_good}))
        metadata.append(
            {"label": label, "length": chars, "response": "祝" * chars, "split_side": "test", "reported": True}
        )
    return scores, metadata


def _metric() -> Metric:
    return label_agreement(judge="principle_judge", length_threshold=40, resamples=50)


def test_label_agreement_is_unchanged_by_agreeing_epochs() -> None:
    scores, metadata = _rows()
    assert_agreeing_epochs_change_nothing([_metric()], scores, metadata=metadata)


def test_label_agreement_reads_the_majority_verdict_of_disagreeing_epochs() -> None:
    scores, metadata = _rows()
    # Every test row's verdict is flipped in one of three epochs: under mean the majority still stands.
    epochs = []
    for i, score in enumerate(scores):
        flipped = score.model_copy(update={"value": 1.0 - float(score.value)})
        epochs.append([score, score, flipped] if i % 2 else [flipped, score, score])
    values = run_metrics([_metric()], epochs, metadata=metadata)
    assert values["label_n"] == len(TEST)
    assert values["label_accuracy"] == pytest.approx(4 / 5)  # wrong only on the 20-character good verdict
    assert values["label_accuracy_minus_length"] == pytest.approx(4 / 5 - 3 / 5)  # the rule is right on 3 of 5
    assert values["label_calibration_rows"] == len(DEV)
