"""ContaminationIndex on a tiny hand-made folder and on the real data."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from harness.data import (
    POLICY_PROMPT_PREFIX,
    SOURCES,
    DataFiles,
    build_contamination_index,
    index_contamination,
    load_eval_set,
)


def test_sources_and_training_definition(tiny_files: DataFiles, tiny_expected_sources: dict) -> None:
    index = build_contamination_index(tiny_files)
    for query, expected in tiny_expected_sources.items():
        assert index.sources(query) == expected, query
    assert index.sources("  乔迁之喜\n") == {"grpo_test"}  # compared after strip()
    assert index.is_contaminated("妈妈生日祝福")  # sft + rm_train
    assert index.is_contaminated("新婚快乐")  # grpo_train
    assert index.is_contaminated("同事生日")  # rm_train
    assert not index.is_contaminated("考试顺利")  # rm_test only: held out, not training
    assert not index.is_contaminated("乔迁之喜")  # grpo_test only
    assert not index.is_contaminated("升职祝福")
    assert index.sources("中秋祝福") == {"sft"}  # any query, not only eval ones
    assert index.sources("妈妈生日祝福!") == frozenset()  # exact match only


def test_verbatim_pairs(tiny_files: DataFiles) -> None:
    index = build_contamination_index(tiny_files)
    flags = {row.line: row.verbatim for row in index.eval_rows}
    assert flags == {1: {"rm_train_chosen"}, 2: set(), 3: set(), 4: set(), 5: set(), 6: {"rm_train_rejected"}}
    assert index.verbatim("同事生日", "生日快乐 ") == {"rm_train_rejected"}
    assert index.contaminated_lines() == (1, 3, 6)


def test_summary_counts(tiny_files: DataFiles) -> None:
    summary = build_contamination_index(tiny_files).summary()
    assert summary["training_sources"] == ["sft", "rm_train", "grpo_train"]
    assert (summary["eval_rows"], summary["eval_queries"]) == (6, 6)
    assert summary["queries_per_source"] == {"sft": 1, "rm_train": 2, "rm_test": 1, "grpo_train": 1, "grpo_test": 1}
    assert summary["rows_per_source"] == summary["queries_per_source"]
    assert (summary["contaminated_queries"], summary["contaminated_rows"]) == (3, 3)
    assert (summary["queries_in_any_source"], summary["rows_in_any_source"]) == (5, 5)
    assert summary["verbatim"] == {
        "rm_train_chosen": {"rows": 1, "good": 1, "bad": 0},
        "rm_train_rejected": {"rows": 1, "good": 0, "bad": 1},
    }
    json.dumps(summary)  # JSON-ready


def test_digest_is_stable_and_sensitive(tmp_path: Path, make_tiny_data_dir) -> None:
    first = build_contamination_index(make_tiny_data_dir(tmp_path / "a"))
    again = build_contamination_index(make_tiny_data_dir(tmp_path / "b"))
    assert first.digest() == again.digest()
    assert len(first.digest()) == 64
    changed = make_tiny_data_dir(tmp_path / "c")
    pl.DataFrame({"prompt": [[{"content": POLICY_PROMPT_PREFIX + "升职祝福", "role": "user"}]]}).write_parquet(
        changed.grpo_train
    )
    other = build_contamination_index(changed)
    assert other.is_contaminated("升职祝福")
    assert other.digest() != first.digest()


def test_empty_sources_match_nothing(tiny_files: DataFiles) -> None:
    index = index_contamination(load_eval_set(tiny_files.eval_set))
    assert all(not row.sources and not row.verbatim for row in index.eval_rows)
    assert index.summary()["contaminated_rows"] == 0


@pytest.fixture(scope="module")
def real_index(shared_data_dir: Path):
    return build_contamination_index(DataFiles(shared_data_dir))


def _independent_query_sets(root: Path) -> dict[str, set[str]]:
    """The queries of each source, read straight from the files without the loaders."""
    files = DataFiles(root)
    sft = json.loads(files.sft.read_text(encoding="utf-8"))
    rm_train = json.loads(files.rm_train.read_text(encoding="utf-8"))
    rm_test = json.loads(files.rm_test.read_text(encoding="utf-8"))

    def grpo(path: Path) -> set[str]:
        contents = [messages[0]["content"] for messages in pl.read_parquet(path)["prompt"].to_list()]
        return {c.removeprefix(POLICY_PROMPT_PREFIX).strip() for c in contents}

    return {
        "sft": {row["instruction"].strip() for row in sft},
        "rm_train": {row["conversations"][0]["value"].strip() for row in rm_train},
        "rm_test": {row["conversations"][0]["value"].strip() for row in rm_test},
        "grpo_train": grpo(files.grpo_train),
        "grpo_test": grpo(files.grpo_test),
    }


def test_real_counts_match_an_independent_computation(real_index, shared_data_dir: Path) -> None:
    files = DataFiles(shared_data_dir)
    raw = [json.loads(line) for line in files.eval_set.read_text(encoding="utf-8").splitlines() if line.strip()]
    sets = _independent_query_sets(shared_data_dir)
    rm_train = json.loads(files.rm_train.read_text(encoding="utf-8"))
    chosen = {(r["conversations"][0]["value"].strip(), r["chosen"]["value"].strip()) for r in rm_train}
    summary = real_index.summary()
    for name in SOURCES:
        assert summary["rows_per_source"][name] == sum(r["query"].strip() in sets[name] for r in raw), name
    training = sets["sft"] | sets["rm_train"] | sets["grpo_train"]
    everything = training | sets["rm_test"] | sets["grpo_test"]
    assert summary["contaminated_rows"] == sum(r["query"].strip() in training for r in raw)
    assert summary["rows_in_any_source"] == sum(r["query"].strip() in everything for r in raw)
    good_verbatim = sum(r["label"] == 1 and (r["query"].strip(), r["response"].strip()) in chosen for r in raw)
    assert summary["verbatim"]["rm_train_chosen"]["good"] == good_verbatim

    # DESIGN.md, measured on the 2,000 upstream rows: 989 of 1,004 good rows are verbatim RM-train chosen pairs
    # (98.5%), and 1,860 of 2,000 rows have a query somewhere in SFT/RM/GRPO (93.0%). The shared copy holds 1,605 of
    # those rows, so the shares (not the counts) should carry over.
    good_rows = sum(r["label"] == 1 for r in raw)
    assert good_verbatim / good_rows == pytest.approx(989 / 1004, abs=0.02)
    assert summary["rows_in_any_source"] / len(raw) == pytest.approx(1860 / 2000, abs=0.02)
    assert summary["queries_per_source"]["grpo_train"] < 0.02 * summary["eval_queries"]  # "nearly disjoint"
