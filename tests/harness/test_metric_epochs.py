"""greetbench's own metrics through Inspect's epoch reducer (pytest-inspect-evals' gates).

A metric gets the score the epoch reducer leaves, not the one the scorer wrote: under ``mean`` a verdict of two
good epochs in three is 0.667 and metadata comes from the first epoch. Each test feeds the scores the scorer
really writes (float verdicts, their metadata) through a real mockllm eval. The label-agreement metric's own gate
is in tests/tasks/judge_agreement/.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from inspect_ai.scorer import Metric, Score
from inspect_ai.util import registry_info
from pytest_inspect_evals.metrics import assert_agreeing_epochs_change_nothing, run_metrics

from harness.creativity import creativity
from harness.judges.pairwise import pairwise_judge
from harness.judges.panel import panel
from harness.metrics import excellence_rate
from harness.probes.metrics import probe_rates

pytestmark = pytest.mark.usefixtures("offline_metric_gates")


def _metrics_of(scorer: Callable[..., object]) -> list[Metric]:
    """The metrics a scorer declares (``@scorer(metrics=[...])``), as an eval registers them."""
    return list(registry_info(scorer).metadata["metrics"])


def test_excellence_rate_is_unchanged_by_agreeing_epochs() -> None:
    assert_agreeing_epochs_change_nothing([excellence_rate()], [1.0, 0.0, 1.0, 1.0])


def test_excellence_rate_counts_a_sample_good_when_most_epochs_are() -> None:
    # Under mean the verdicts reduce to 2/3, 1/3, 1 and 0: two samples are good.
    values = run_metrics([excellence_rate()], [[1.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])
    assert values["excellence_rate"] == pytest.approx(0.5)
    assert values["excellence_rate_ci_low"] < 0.5 < values["excellence_rate_ci_high"]


def test_panel_metrics_are_unchanged_by_agreeing_epochs() -> None:
    # excellence_rate and member_agreement
    scores = [
        Score(value=1.0, metadata={"members": {"a": "good", "b": "good", "c": "bad"}, "agreement": 2 / 3}),
        Score(value=0.0, metadata={"members": {"a": "bad", "b": "bad", "c": "bad"}, "agreement": 1.0}),
    ]
    assert_agreeing_epochs_change_nothing(_metrics_of(panel), scores)


def test_pairwise_metrics_are_unchanged_by_agreeing_epochs() -> None:
    # mean (the win rate) and position_consistency
    scores = [
        Score(value=1.0, metadata={"consistent": True}),
        Score(value=0.5, metadata={"consistent": False}),
        Score(value=0.0, metadata={"consistent": True}),
    ]
    assert_agreeing_epochs_change_nothing(_metrics_of(pairwise_judge), scores)


def test_probe_rates_are_unchanged_by_agreeing_epochs() -> None:
    scores = [
        Score(value=1.0, metadata={"probe": "position", "hit": True, "failed": True}),
        Score(value=0.0, metadata={"probe": "position", "hit": False, "failed": False}),
        Score(value=1.0, metadata={"probe": "injection", "hit": True, "failed": True}),
        Score(value=1.0, metadata={"probe": "injection", "hit": True, "failed": None, "note": "clean judged good"}),
    ]
    assert_agreeing_epochs_change_nothing([probe_rates(cases={"position": 2, "injection": 3})], scores)


def test_creativity_metrics_cover_every_epoch_whatever_the_reducer() -> None:
    def scored(text: str) -> Score:
        return Score(value={"length": len(text), "cliches": int("快乐" in text), "novelty": 0.5}, answer=text)

    epochs = [[scored("生日快乐"), scored("岁岁平安，万事顺意")], [scored("新年好"), scored("新年好")]]
    metrics = _metrics_of(creativity)  # mean_length, clichés, novelty, distinct-1/2, self-BLEU
    reduced = run_metrics(metrics, epochs, reducer="mean")
    assert reduced == run_metrics(metrics, epochs, reducer=None)
    assert reduced["mean_length"] == pytest.approx((4 + 9 + 3 + 3) / 4)  # all four outputs, not one per sample
    assert reduced["cliche_rate"] == pytest.approx(1 / 4)
