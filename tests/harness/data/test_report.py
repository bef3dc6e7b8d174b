"""check_data_dir and DataReport on the tiny folder, with duplicates and conflicts added."""

from __future__ import annotations

import json

from harness.data import DataFiles, check_data_dir


def test_report_lists_findings(tiny_files: DataFiles) -> None:
    extra = [
        {"query": "考试顺利", "response": "加油", "label": 0},  # duplicate of line 2
        {"query": "考试顺利", "response": "加油", "label": 1},  # pair conflict with lines 2 and 7
    ]
    with tiny_files.eval_set.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(json.dumps(row, ensure_ascii=False) for row in extra) + "\n")
    report = check_data_dir(tiny_files)
    assert (report.good_rows, report.bad_rows, report.eval_queries) == (4, 4, 6)
    assert [group.lines for group in report.duplicates] == [(2, 7)]
    assert [(c.good_lines, c.bad_lines) for c in report.conflicts.pairs] == [((8,), (2, 7))]
    assert [c.query for c in report.conflicts.queries] == ["考试顺利"]
    assert report.reward_pairs["rm_train"].identical_sides == 1
    assert report.reward_pairs["rm_test"].chosen_longer_share == 1.0
    assert report.sft_in_rm_train_chosen == 1
    assert (report.count("random_query.txt"), report.random_distinct) == (3, 2)
    assert not any(facts.matches_upstream for facts in report.files)

    text = report.to_markdown()
    assert "- duplicate rows: 1 groups, 1 extra rows\n  - lines 2, 7: `考试顺利`" in text
    assert "- (query, response) pairs with both labels: 1\n  - good 8 / bad 2, 7: `考试顺利`" in text
    assert "| `grpo_data/train.parquet` | 2 | differs" in text
    assert f"index digest: `{report.contamination_digest}`" in text

    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert data["root"] == str(tiny_files.root)
    assert data["duplicates"][0]["lines"] == [2, 7]
    assert data["length"]["threshold"] == 39
