"""The train/validation cut of the dev split: whole queries on each side, labels stratified as far as they can be."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from feedback.principles.slices import cut_by_query, label_quotas, optimization_slices, stratified_sample
from harness.data import LabelledGreeting
from tests.feedback.principles.scripted import write_wide_eval_set
from tests.harness.probes.scripted import write_eval_set


def rows_of(spec: list[tuple[str, int]]) -> list[LabelledGreeting]:
    return [LabelledGreeting(query, f"祝福{i}", label, i) for i, (query, label) in enumerate(spec, start=1)]


@pytest.mark.parametrize("rows", [4, 8, 24])
def test_the_validation_slice_has_both_labels_on_a_small_dataset(tmp_path: Path, rows: int) -> None:
    """The probe data's dev split has one good query among seven: it goes to validation whatever the size."""
    slices = optimization_slices(write_eval_set(tmp_path), rows, 0)
    assert {row.label for row in slices.val} == {0, 1}
    assert not {row.query for row in slices.train} & {row.query for row in slices.val}
    assert not {row.line for row in slices.train + slices.val} & {row.line for row in slices.test}


def test_each_side_gets_about_half_of_each_label(tmp_path: Path) -> None:
    slices = optimization_slices(write_wide_eval_set(tmp_path), 40, 0)
    for side in (slices.train, slices.val):
        good = sum(row.label for row in side)
        assert 0 < good < len(side) and abs(2 * good - len(side)) <= 1
    assert slices.to_dict()["method"].startswith("dev queries grouped by their rows' labels")


def test_the_cut_keeps_queries_whole_and_deals_each_label_group() -> None:
    rows = rows_of(
        [("甲", 1), ("乙", 1), ("丙", 1), ("丁", 0), ("戊", 0), ("己", 0), ("庚", 0), ("辛", 1), ("辛", 0), ("壬", 0)]
    )
    train, val = cut_by_query(rows)
    assert not {r.query for r in train} & {r.query for r in val}
    assert sorted(r.line for r in train + val) == [r.line for r in rows]
    good_only = {"甲", "乙", "丙"}
    assert len({r.query for r in val} & good_only) == 2 and len({r.query for r in train} & good_only) == 1
    bad_only = {"丁", "戊", "己", "庚", "壬"}
    assert len({r.query for r in val} & bad_only) == 3 and len({r.query for r in train} & bad_only) == 2
    assert {r.query for r in val if r.query == "辛"} == {"辛"}  # the one query with both labels: validation
    assert cut_by_query(rows) == (train, val)  # deterministic


def test_a_label_with_a_single_query_goes_to_validation() -> None:
    train, val = cut_by_query(rows_of([("甲", 1), ("乙", 0), ("丙", 0)]))
    assert {r.label for r in val} == {0, 1} and {r.label for r in train} == {0}
    assert cut_by_query([]) == ([], [])


def test_label_quotas_are_proportional_with_one_of_each_where_possible() -> None:
    assert label_quotas({0: 6, 1: 2}, 4) == {0: 3, 1: 1}
    assert label_quotas({0: 9, 1: 1}, 2) == {0: 1, 1: 1}  # proportional would give the good row none
    assert label_quotas({0: 9, 1: 1}, 1) == {0: 1, 1: 0}  # one row cannot hold two labels
    assert label_quotas({0: 3, 1: 3}, 3) == {0: 2, 1: 1}  # ties to the lower label
    assert label_quotas({0: 2, 1: 1}, 10) == {0: 2, 1: 1}
    assert label_quotas({0: 5, 1: 0}, 2) == {0: 2}
    for n in range(0, 12):
        assert sum(label_quotas({0: 8, 1: 3}, n).values()) == min(n, 11)


def test_a_stratified_sample_is_reproducible_and_in_file_order() -> None:
    rows = rows_of([(f"问{i}", int(i < 3)) for i in range(12)])
    first = stratified_sample(rows, 4, random.Random(7))
    assert first == stratified_sample(rows, 4, random.Random(7))
    assert [r.line for r in first] == sorted(r.line for r in first)
    assert sum(r.label for r in first) == 1 and len(first) == 4
    assert stratified_sample(rows, 99, random.Random(7)) == tuple(rows)
