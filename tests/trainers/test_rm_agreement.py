"""Eval-set figures of a reward model beside the length rule, the memorisation split, and chunked scoring."""

from __future__ import annotations

import pytest

from harness.data import LabelledGreeting, PreferencePair
from trainers.rm_agreement import GROUPS, eval_set_report, memorisation_split
from trainers.rm_scoring import release_memory, score_with_progress


def _row(response: str, label: int, line: int) -> LabelledGreeting:
    return LabelledGreeting("q", response, label, line)


def test_memorisation_groups_rows_by_what_the_run_trained_on() -> None:
    rows = [_row(" 甲 ", 1, 1), _row("乙", 0, 2), _row("丙", 1, 3), _row("丁", 0, 4)]
    trained = [PreferencePair("other query", "甲", "乙", 0)]
    in_file = [*trained, PreferencePair("x", "丙", "戊", 1)]
    groups = memorisation_split(rows, [True, True, False, True], [False, True, True, True], trained, in_file)
    assert tuple(groups) == GROUPS
    assert [(g.rows, g.good, g.rm_accuracy, g.length_accuracy) for g in groups.values()] == [
        (1, 1, 1.0, 0.0),
        (1, 0, 1.0, 1.0),
        (1, 1, 0.0, 1.0),
        (1, 0, 1.0, 1.0),
    ]


def test_eval_set_report_fits_both_raters_on_dev() -> None:
    dev = [_row("好" * n, int(n >= 5), i) for i, n in enumerate([1, 2, 3, 6, 7, 8])]
    test = [_row("好" * n, label, 10 + i) for i, (n, label) in enumerate([(1, 0), (9, 1), (2, 1), (8, 0)])]
    report = eval_set_report(dev, [0, 0.1, 0.2, 1, 1.1, 1.2], test, [0.0, 2.0, 1.5, -1.0], [], [], n_resamples=50)
    assert report.length_threshold == 6 and 0.2 < report.threshold < 1 and report.dev_accuracy == 1.0
    # RM: right on all four; length rule: right on the first two only
    assert report.rm["figures"]["accuracy"]["value"] == 1.0
    assert report.length["figures"]["accuracy"]["value"] == 0.5
    assert report.accuracy_difference == 0.5 and report.memorisation["unseen"]["rows"] == 4
    assert "| reward model | 1.000" in report.to_markdown()
    with pytest.raises(ValueError, match="one label"):
        eval_set_report(dev[:2], [0, 1], test, [0, 0, 0, 0], [], [])


class _Model:
    def __init__(self) -> None:
        self.calls: list[int] = []

    def rewards(self, pairs: list[tuple[str, str]], batch_size: int) -> list[float]:
        self.calls.append(len(pairs))
        return [float(len(response)) for _, response in pairs]


def test_scoring_in_chunks_keeps_input_order() -> None:
    model = _Model()
    pairs = [("q", "x" * n) for n in [5, 1, 9, 3, 7, 2, 8, 4, 6, 10]]
    assert score_with_progress(model, pairs, batch_size=1, desc="t", progress=False) == [
        float(len(r)) for _, r in pairs
    ]
    assert model.calls == [4, 4, 2]  # chunks of BATCHES_PER_CHUNK batches
    release_memory()
