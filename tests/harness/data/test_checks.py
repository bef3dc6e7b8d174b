"""Duplicates, label conflicts and the length baseline, on hand-made rows and on the real evaluation set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.data import (
    DataFiles,
    LabelledGreeting,
    find_duplicates,
    find_label_conflicts,
    length_baseline,
    load_eval_set,
)

ROWS = [
    LabelledGreeting("生日祝福", "生日快乐", 0, 1),
    LabelledGreeting("生日祝福 ", " 生日快乐", 0, 4),  # same after strip(): duplicate of line 1
    LabelledGreeting("生日祝福", "生日快乐", 1, 7),  # same pair, other label: a pair conflict, not a duplicate
    LabelledGreeting("新年祝福", "新年快乐，万事如意", 1, 2),
    LabelledGreeting("新年祝福", "新年快乐", 0, 9),  # same query, other response and label: a query conflict
    LabelledGreeting("中秋祝福", "月圆人团圆", 1, 3),
    LabelledGreeting("中秋祝福", "月圆人团圆", 1, 5),
    LabelledGreeting("中秋祝福", "月圆人团圆", 1, 8),
]


def test_duplicates_are_grouped_with_their_lines() -> None:
    groups = find_duplicates(ROWS)
    assert [(g.query, g.label, g.lines, g.extra_rows) for g in groups] == [
        ("生日祝福", 0, (1, 4), 1),
        ("中秋祝福", 1, (3, 5, 8), 2),
    ]


def test_conflicts_are_reported_in_two_kinds() -> None:
    conflicts = find_label_conflicts(ROWS)
    assert [(c.query, c.response, c.good_lines, c.bad_lines) for c in conflicts.pairs] == [
        ("生日祝福", "生日快乐", (7,), (1, 4))
    ]
    assert [(c.query, c.good_lines, c.bad_lines) for c in conflicts.queries] == [
        ("生日祝福", (7,), (1, 4)),
        ("新年祝福", (2,), (9,)),
    ]


def test_clean_rows_have_no_findings() -> None:
    rows = [LabelledGreeting(f"q{i}", f"r{i}", i % 2, i) for i in range(5)]
    assert find_duplicates(rows) == []
    conflicts = find_label_conflicts(rows)
    assert conflicts.pairs == () and conflicts.queries == ()
    assert find_duplicates([]) == []


@given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from("xy"), st.integers(0, 1)), max_size=12))
def test_duplicate_lines_account_for_every_repeat(triples: list[tuple[str, str, int]]) -> None:
    rows = [LabelledGreeting(q, r, label, line) for line, (q, r, label) in enumerate(triples, start=1)]
    extra = sum(group.extra_rows for group in find_duplicates(rows))
    assert extra == len(triples) - len(set(triples))
    pairs = {(q, r) for q, r, _ in triples}
    both_labels = sum({(q, r, 0), (q, r, 1)} <= set(triples) for q, r in pairs)
    assert len(find_label_conflicts(rows).pairs) == both_labels


def test_length_baseline_by_hand() -> None:
    rows = [
        LabelledGreeting("q", "长" * 50, 1, 1),
        LabelledGreeting("q", "长" * 40, 1, 2),
        LabelledGreeting("q", "短" * 10, 1, 3),  # baseline wrong
        LabelledGreeting("q", "短" * 20, 0, 4),
        LabelledGreeting("q", "长" * 45, 0, 5),  # baseline wrong
    ]
    base = length_baseline(rows, threshold=39)
    assert base.rows == 5
    assert base.good_mean_chars == pytest.approx(100 / 3)
    assert base.bad_mean_chars == pytest.approx(32.5)
    assert base.accuracy == pytest.approx(3 / 5)
    # predicted good 3/5, actual good 3/5: chance = (3*3 + 2*2) / 25
    assert base.kappa == pytest.approx((0.6 - 13 / 25) / (1 - 13 / 25))
    # good lengths (50, 40, 10) vs bad (20, 45): pairs where good is longer: 50>20, 50>45, 40>20 -> 3 of 6
    assert base.auc == pytest.approx(3 / 6)


def test_length_baseline_edge_cases() -> None:
    empty = length_baseline([])
    assert (empty.rows, empty.accuracy, empty.kappa, empty.auc) == (0, None, None, None)
    only_good = length_baseline([LabelledGreeting("q", "x" * 50, 1, 1)])
    assert (only_good.accuracy, only_good.bad_mean_chars, only_good.auc) == (1.0, None, None)
    assert only_good.kappa is None  # chance agreement is 1


def test_real_eval_set_findings_match_an_independent_count(shared_data_dir: Path) -> None:
    path = DataFiles(shared_data_dir).eval_set
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    keys = [(r["query"].strip(), r["response"].strip(), r["label"]) for r in raw]
    rows = load_eval_set(path)
    assert sum(g.extra_rows for g in find_duplicates(rows)) == len(keys) - len(set(keys))
    labels_by_query: dict[str, set[int]] = {}
    for query, _, label in keys:
        labels_by_query.setdefault(query, set()).add(label)
    assert len(find_label_conflicts(rows).queries) == sum(len(v) == 2 for v in labels_by_query.values())

    base = length_baseline(rows)
    good = [len(r["response"]) for r in raw if r["label"] == 1]
    bad = [len(r["response"]) for r in raw if r["label"] == 0]
    assert base.good_mean_chars == pytest.approx(sum(good) / len(good))
    assert base.bad_mean_chars == pytest.approx(sum(bad) / len(bad))
    hits = sum(n >= 39 for n in good) + sum(n < 39 for n in bad)
    assert base.accuracy == pytest.approx(hits / len(raw))
    # DESIGN.md (2,000 upstream rows): good 61.9 / bad 24.1 chars, accuracy 0.9025, AUC 0.929. The 1,605-row copy
    # is a subset, so its figures sit close to those, not on them.
    assert base.good_mean_chars == pytest.approx(61.9, abs=2)
    assert base.bad_mean_chars == pytest.approx(24.1, abs=2)
    assert base.accuracy == pytest.approx(0.9025, abs=0.02)
    assert base.auc == pytest.approx(0.929, abs=0.02)
