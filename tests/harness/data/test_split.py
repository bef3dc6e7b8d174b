"""The dev/test split: deterministic, by query, with a stable digest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.data import DataFiles, EvalSplit, LabelledGreeting, load_eval_set, split_eval_set


def rows_from(queries: list[str]) -> list[LabelledGreeting]:
    return [LabelledGreeting(q, f"回复{i}", i % 2, i + 1) for i, q in enumerate(queries)]


def test_split_is_deterministic_and_covers_every_row() -> None:
    rows = rows_from([f"查询{i % 40}" for i in range(200)])
    first, again = split_eval_set(rows), split_eval_set(list(rows))
    assert first == again
    assert sorted(r.line for r in first.dev + first.test) == [r.line for r in rows]
    assert (first.seed, first.dev_fraction) == ("greetbench-v1", 0.3)


def test_no_query_on_both_sides_even_with_padding() -> None:
    rows = rows_from(["生日祝福", " 生日祝福", "生日祝福\n"] + [f"q{i}" for i in range(100)])
    split = split_eval_set(rows, dev_fraction=0.5)
    dev_queries = {r.query.strip() for r in split.dev}
    test_queries = {r.query.strip() for r in split.test}
    assert not dev_queries & test_queries
    assert sum(r.query.strip() == "生日祝福" for r in split.dev) in (0, 3)


def test_adding_rows_moves_no_existing_query() -> None:
    base = rows_from([f"q{i}" for i in range(50)])
    more = base + [LabelledGreeting(f"new{i}", "r", 1, 1000 + i) for i in range(50)]
    before = {r.line for r in split_eval_set(base).dev}
    after = {r.line for r in split_eval_set(more).dev}
    assert after & {r.line for r in base} == before


def test_seed_changes_the_split_and_the_digest() -> None:
    rows = rows_from([f"q{i}" for i in range(100)])
    one, two = split_eval_set(rows, seed="a"), split_eval_set(rows, seed="b")
    assert {r.line for r in one.dev} != {r.line for r in two.dev}
    assert one.digest != two.digest


def test_fraction_edges_and_validation() -> None:
    rows = rows_from([f"q{i}" for i in range(30)])
    assert split_eval_set(rows, dev_fraction=0).dev == ()
    assert split_eval_set(rows, dev_fraction=1).test == ()
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="dev_fraction"):
            split_eval_set(rows, dev_fraction=bad)
    assert split_eval_set([]).to_dict()["dev"] == {"rows": 0, "queries": 0, "good": 0, "bad": 0}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=40), st.floats(0, 1))
def test_split_properties(queries: list[str], fraction: float) -> None:
    rows = rows_from(queries)
    split = split_eval_set(rows, dev_fraction=fraction)
    assert len(split.dev) + len(split.test) == len(rows)
    assert not {r.query.strip() for r in split.dev} & {r.query.strip() for r in split.test}
    assert split.digest == split_eval_set(list(reversed(rows)), dev_fraction=fraction).digest


def test_real_split_is_pinned(shared_data_dir: Path) -> None:
    rows = load_eval_set(DataFiles(shared_data_dir).eval_set)
    split = split_eval_set(rows)
    assert isinstance(split, EvalSplit)
    info = split.to_dict()
    json.dumps(info)
    assert info["dev"]["rows"] + info["test"]["rows"] == 1605
    assert 0.25 < info["dev"]["queries"] / (info["dev"]["queries"] + info["test"]["queries"]) < 0.35
    # Pinned: changing the hashing or the seed silently would reshuffle every log's dev/test rows.
    assert split.digest == "a54d13d77e21259c90d0efc5a13821f7963e6530cd5af6412d33ab1b8451750b"
