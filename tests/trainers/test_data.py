"""Lenient reading of training rows: every bad row dropped, counted and located; subsets are seeded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.data import DataError
from trainers.data import (
    IDENTICAL,
    MALFORMED,
    MISSING_SIDE,
    OVER_LENGTH,
    drop_over_length,
    read_preference_pairs,
    read_sft_examples,
    subsample,
)


def _pair(prompt: object, chosen: object, rejected: object) -> dict:
    record: dict = {"conversations": [{"from": "human", "value": prompt}]}
    for name, value in (("chosen", chosen), ("rejected", rejected)):
        if value is not None:
            record[name] = {"from": "gpt", "value": value} if isinstance(value, str) else value
    return record


def test_preference_pairs_drop_and_count_each_bad_row(tmp_path: Path) -> None:
    records = [
        _pair("妈妈生日", "亲爱的妈妈，生日快乐！", "生日快乐"),  # 0 kept
        _pair("同事新年", "新年快乐，万事如意！", None),  # 1 no rejected
        _pair("朋友结婚", None, "新婚快乐"),  # 2 no chosen
        _pair("考试", "考试顺利！", {"value": "  "}),  # 3 blank rejected
        _pair("乔迁", "乔迁之喜", "乔迁之喜 "),  # 4 identical after strip
        {"conversations": [{"from": "gpt", "value": "x"}], "chosen": {"value": "a"}, "rejected": {"value": "b"}},
        _pair("退休", "退休愉快，安享晚年！", "退休快乐"),  # 6 kept
    ]
    path = tmp_path / "pairs.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    pairs, report = read_preference_pairs(path)
    assert [p.line for p in pairs] == [0, 6] and pairs[0].prompt == "妈妈生日"
    assert report.records == 7 and report.kept == 2
    assert report.dropped == {MISSING_SIDE: 3, MALFORMED: 1, IDENTICAL: 1, OVER_LENGTH: 0}
    assert report.dropped_examples == {MISSING_SIDE: [1, 2, 3], MALFORMED: [5], IDENTICAL: [4]}

    kept = drop_over_length(pairs, report, max_length=10, lengths=[8, 11])
    assert [p.line for p in kept] == [0]
    assert report.dropped[OVER_LENGTH] == 1 and report.kept == 1 and report.max_length == 10
    assert "7 records, kept 1; dropped: missing_chosen_or_rejected 3" in report.summary()


def test_sft_rows_drop_malformed_and_join_input(tmp_path: Path) -> None:
    records = [
        {"instruction": "妈妈生日祝福", "input": "", "output": "生日快乐！"},
        {"instruction": "给老师", "input": "教师节", "output": "老师辛苦了！"},
        {"instruction": "  ", "output": "空的指令"},
        {"instruction": "没有输出"},
        {"instruction": "坏的输入", "input": 3, "output": "祝好"},
    ]
    path = tmp_path / "sft.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    examples, report = read_sft_examples(path)
    assert [e.instruction for e in examples] == ["妈妈生日祝福", "给老师\n教师节"]
    assert report.dropped == {MALFORMED: 3, OVER_LENGTH: 0} and report.dropped_examples[MALFORMED] == [3, 4, 5]


def test_whole_file_problems_still_fail_at_once(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        read_preference_pairs(tmp_path / "missing.json")
    (tmp_path / "broken.json").write_text("[{", encoding="utf-8")
    with pytest.raises(DataError, match="malformed JSON"):
        read_sft_examples(tmp_path / "broken.json")


def test_subsample_is_seeded_and_keeps_file_order(tmp_path: Path) -> None:
    path = tmp_path / "sft.json"
    path.write_text(json.dumps([{"instruction": f"q{i}", "output": f"a{i}"} for i in range(50)]), encoding="utf-8")
    examples, report = read_sft_examples(path)
    first = subsample(examples, report, 10, seed=1)
    again = subsample(examples, report, 10, seed=1)
    assert first == again and len(first) == 10
    assert [e.line for e in first] == sorted(e.line for e in first)
    assert subsample(examples, report, 10, seed=2) != first
    assert report.subsampled_from == 50 and report.kept == 10
    assert subsample(examples, report, None, seed=1) == examples


def test_length_balanced_subsample_is_seeded_and_balanced() -> None:
    from harness.data import PreferencePair
    from trainers.data import InputReport, chosen_not_longer, length_balanced_subsample

    longer = [PreferencePair(f"q{i}", "长" * 20, "短", i) for i in range(30)]
    shorter = [PreferencePair(f"p{i}", "短", "长" * 20, 30 + i) for i in range(5)]
    pairs = longer[:15] + shorter + longer[15:]
    report = InputReport("f", "rule")
    first = length_balanced_subsample(pairs, report, 8, 0.5, seed=3)
    assert len(first) == 8 and sum(chosen_not_longer(p) for p in first) == 4
    assert first == sorted(first, key=lambda p: pairs.index(p))  # file order kept
    assert length_balanced_subsample(pairs, InputReport("f", "rule"), 8, 0.5, seed=3) == first
    assert report.length_balance == {
        "share": 0.5,
        "chosen_not_longer": 4,
        "chosen_longer": 4,
        "available_not_longer": 5,
        "available_longer": 30,
    }
    assert report.kept == 8 and report.subsampled_from == 35 and "4 with chosen not longer" in report.summary()
    # fewer flagged pairs than the share needs: a one-line error with the count, never a silent shortfall
    with pytest.raises(ValueError, match="needs 12 pairs whose chosen greeting is not longer; the file has 5"):
        length_balanced_subsample(pairs, InputReport("f", "rule"), 12, 1.0, seed=3)
