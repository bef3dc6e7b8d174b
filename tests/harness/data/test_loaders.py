"""Loaders: row counts on the real files, and every malformed-input case named by file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from harness.data import (
    POLICY_PROMPT_PREFIX,
    DataError,
    DataFiles,
    GreetingRequest,
    LabelledGreeting,
    load_bundled_requests,
    load_eval_set,
    load_grpo_requests,
    load_preference_pairs,
    load_random_queries,
    load_sft_examples,
    policy_prompt,
)

GOOD_ROW = {"query": "生日祝福", "response": "生日快乐，万事如意！", "label": 1}
GOOD_PAIR = {
    "conversations": [{"from": "human", "value": "新年祝福"}],
    "chosen": {"from": "gpt", "value": "新年快乐，愿你所求皆如愿！"},
    "rejected": {"from": "gpt", "value": "新年快乐"},
}


def write_lines(path: Path, rows: list) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def write_array(path: Path, rows: list) -> Path:
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


# -- the real files ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(shared_data_dir: Path) -> DataFiles:
    return DataFiles(shared_data_dir)


def test_real_eval_set(real: DataFiles) -> None:
    rows = load_eval_set(real.eval_set)
    assert len(rows) == 1605
    assert {row.label for row in rows} == {0, 1}
    assert rows[0].line == 1 and rows[-1].line == 1605  # JSON Lines: 1-based lines
    assert all(type(row.label) is int for row in rows)


def test_real_preference_pairs(real: DataFiles) -> None:
    train, test = load_preference_pairs(real.rm_train), load_preference_pairs(real.rm_test)
    assert (len(train), len(test)) == (6310, 1586)
    assert train[0].line == 0  # JSON array: 0-based items
    identical = sum(p.chosen == p.rejected for p in train) + sum(p.chosen == p.rejected for p in test)
    assert identical == 13  # DESIGN.md: loaded, not refused


def test_real_sft_examples(real: DataFiles) -> None:
    examples = load_sft_examples(real.sft)
    assert len(examples) == 4000
    assert all("\n" not in e.instruction for e in examples)  # every upstream input is empty


def test_real_grpo_requests(real: DataFiles) -> None:
    train, test = load_grpo_requests(real.grpo_train), load_grpo_requests(real.grpo_test)
    assert (len(train), len(test)) == (3200, 800)
    assert [r.index for r in train[:3]] == [0, 1, 2]
    for request in train + test:
        assert request.prompt == POLICY_PROMPT_PREFIX + request.query
        assert not request.query.startswith(POLICY_PROMPT_PREFIX)
        assert request.category is None


def test_real_random_queries(real: DataFiles) -> None:
    queries = load_random_queries(real.random_queries)
    # DESIGN.md says "9,999 lines": the file has 9,999 newlines and an unterminated last line, so 10,000 queries.
    raw = real.random_queries.read_bytes()
    assert raw.count(b"\n") == 9999 and not raw.endswith(b"\n")
    assert len(queries) == 10000
    assert len(set(queries)) == 8138


# -- hand-made files ----------------------------------------------------------------------------------------------


def test_eval_set_from_an_array_equals_json_lines(tmp_path: Path) -> None:
    rows = [GOOD_ROW, {**GOOD_ROW, "label": 0, "extra": "ignored"}]
    from_lines = load_eval_set(write_lines(tmp_path / "a.json", rows))
    from_array = load_eval_set(write_array(tmp_path / "b.jsonl", rows))
    assert [(r.query, r.response, r.label) for r in from_lines] == [(r.query, r.response, r.label) for r in from_array]
    assert from_lines[1] == LabelledGreeting("生日祝福", "生日快乐，万事如意！", 0, 2)
    assert [r.line for r in from_array] == [0, 1]


@pytest.mark.parametrize(
    ("row", "field", "detail"),
    [
        ({"query": "q", "label": 1}, "response", "is missing"),
        ({"response": "r", "label": 1}, "query", "is missing"),
        ({"query": "q", "response": "r"}, "label", "is missing"),
        ({**GOOD_ROW, "label": True}, "label", "must be 0 or 1, got true (a boolean)"),
        ({**GOOD_ROW, "label": False}, "label", "must be 0 or 1, got false (a boolean)"),
        ({**GOOD_ROW, "label": 2}, "label", "must be 0 or 1, got 2"),
        ({**GOOD_ROW, "label": "yes"}, "label", 'must be 0 or 1, got "yes"'),
        ({**GOOD_ROW, "label": 1.0}, "label", "must be 0 or 1, got 1.0"),
        ({**GOOD_ROW, "label": None}, "label", "must be 0 or 1, got null"),
        ({**GOOD_ROW, "response": ""}, "response", 'must not be empty, got ""'),
        ({**GOOD_ROW, "response": " \t\u3000"}, "response", "must not be empty"),
        ({**GOOD_ROW, "query": 12}, "query", "must be a string, got 12"),
        ({**GOOD_ROW, "response": ["生日快乐"]}, "response", "must be a string"),
    ],
)
def test_bad_eval_rows_name_file_line_and_field(tmp_path: Path, row: dict, field: str, detail: str) -> None:
    path = write_lines(tmp_path / "evaluate_data.json", [GOOD_ROW, GOOD_ROW, row])
    with pytest.raises(DataError) as caught:
        load_eval_set(path)
    err = caught.value
    assert (err.path, err.line, err.field) == (path, 3, field)
    assert str(err).startswith(f"{path} line 3: field '{field}' {detail}")


def test_bad_label_in_an_array_names_the_item(tmp_path: Path) -> None:
    path = write_array(tmp_path / "evaluate_data.json", [GOOD_ROW, {**GOOD_ROW, "label": "yes"}])
    with pytest.raises(DataError, match=r"evaluate_data\.json item 1: field 'label' must be 0 or 1, got \"yes\""):
        load_eval_set(path)


def test_malformed_json_in_eval_set(tmp_path: Path) -> None:
    path = tmp_path / "evaluate_data.json"
    path.write_text(json.dumps(GOOD_ROW) + '\n{"query": "q", "response": "r", "label": 1\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"evaluate_data\.json line 2: malformed JSON"):
        load_eval_set(path)


def test_missing_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        load_eval_set(tmp_path / "nope.json")


@pytest.mark.parametrize(
    ("change", "field", "detail"),
    [
        ({"chosen": None}, "chosen", "must be an object"),
        ({"rejected": "新年快乐"}, "rejected", "must be an object"),
        ({"chosen": {"from": "gpt"}}, "chosen.value", "is missing"),
        ({"rejected": {"from": "gpt", "value": "  "}}, "rejected.value", "must not be empty"),
        ({"conversations": []}, "conversations", "must be a non-empty list"),
        ({"conversations": [{"from": "gpt", "value": "x"}]}, "conversations", "has no turn from 'human'"),
        ({"conversations": [{"from": "human"}]}, "conversations[0].value", "is missing"),
        ({"conversations": ["新年祝福"]}, "conversations[0]", "must be an object"),
    ],
)
def test_bad_preference_pairs(tmp_path: Path, change: dict, field: str, detail: str) -> None:
    path = write_array(tmp_path / "reward_data_train.json", [GOOD_PAIR, {**GOOD_PAIR, **change}])
    with pytest.raises(DataError) as caught:
        load_preference_pairs(path)
    assert (caught.value.line, caught.value.field, caught.value.unit) == (1, field, "item")
    assert str(caught.value).startswith(f"{path} item 1: field '{field}' {detail}")


@pytest.mark.parametrize("side", ["chosen", "rejected"])
def test_missing_side_is_an_error(tmp_path: Path, side: str) -> None:
    pair = {key: value for key, value in GOOD_PAIR.items() if key != side}
    path = write_array(tmp_path / "reward_data_test.json", [pair])
    with pytest.raises(DataError, match=rf"reward_data_test\.json item 0: field '{side}' is missing"):
        load_preference_pairs(path)


def test_identical_sides_and_multi_turn_prompts_load(tmp_path: Path) -> None:
    same = {**GOOD_PAIR, "rejected": dict(GOOD_PAIR["chosen"])}
    turns = {
        **GOOD_PAIR,
        "conversations": [
            {"from": "human", "value": "先说一句"},
            {"from": "gpt", "value": "好"},
            {"from": "human", "value": "再要一条新年祝福"},
        ],
    }
    pairs = load_preference_pairs(write_lines(tmp_path / "pairs.jsonl", [same, turns]))
    assert pairs[0].chosen == pairs[0].rejected
    assert pairs[1].prompt == "再要一条新年祝福"
    assert pairs[1].line == 2


def test_sft_input_is_appended_after_a_newline(tmp_path: Path) -> None:
    rows = [
        {"instruction": "写祝福", "input": "", "output": "生日快乐"},
        {"instruction": "写祝福", "input": "给奶奶", "output": "福如东海"},
        {"instruction": "写祝福", "input": "  ", "output": "平安喜乐"},
        {"instruction": "写祝福", "output": "万事胜意"},
    ]
    examples = load_sft_examples(write_array(tmp_path / "sft_data.json", rows))
    assert [e.instruction for e in examples] == ["写祝福", "写祝福\n给奶奶", "写祝福", "写祝福"]
    assert [e.line for e in examples] == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"instruction": "写祝福", "input": 3, "output": "x"}, "input"),
        ({"instruction": "写祝福", "input": ""}, "output"),
        ({"instruction": "", "input": "", "output": "x"}, "instruction"),
    ],
)
def test_bad_sft_rows(tmp_path: Path, row: dict, field: str) -> None:
    path = write_array(tmp_path / "sft_data.json", [row])
    with pytest.raises(DataError, match=rf"sft_data\.json item 0: field '{field}'"):
        load_sft_examples(path)


def _parquet(path: Path, prompts: list) -> Path:
    pl.DataFrame({"prompt": prompts, "ability": ["text_generation"] * len(prompts)}).write_parquet(path)
    return path


def test_grpo_prefix_is_stripped_only_when_present(tmp_path: Path) -> None:
    prompts = [
        [{"content": POLICY_PROMPT_PREFIX + "古风新年祝福语", "role": "user"}],
        [{"content": "请只生成一条祝福语:半角冒号不算前缀", "role": "user"}],
        [{"content": "系统提示", "role": "system"}, {"content": POLICY_PROMPT_PREFIX + "中秋", "role": "user"}],
    ]
    requests = load_grpo_requests(_parquet(tmp_path / "train.parquet", prompts))
    assert requests[0] == GreetingRequest("古风新年祝福语", POLICY_PROMPT_PREFIX + "古风新年祝福语", 0)
    assert requests[1].query == requests[1].prompt == "请只生成一条祝福语:半角冒号不算前缀"
    assert (requests[2].query, requests[2].index) == ("中秋", 2)


@pytest.mark.parametrize(
    ("prompt", "detail"),
    [
        ([{"content": "只有助手", "role": "assistant"}], "has no message with role 'user'"),
        ([{"content": "  ", "role": "user"}], "has a user message with no text"),
        ([{"content": POLICY_PROMPT_PREFIX, "role": "user"}], "holds the policy prefix but no query"),
        ([], "must be a non-empty list"),
    ],
)
def test_bad_grpo_rows_name_the_row(tmp_path: Path, prompt: list, detail: str) -> None:
    good = [{"content": POLICY_PROMPT_PREFIX + "生日", "role": "user"}]
    path = _parquet(tmp_path / "test.parquet", [good, prompt])
    with pytest.raises(DataError, match=rf"test\.parquet row 1: field 'prompt' {detail}"):
        load_grpo_requests(path)


def test_grpo_file_problems(tmp_path: Path) -> None:
    pl.DataFrame({"question": ["x"]}).write_parquet(tmp_path / "no_prompt.parquet")
    with pytest.raises(DataError, match=r"no_prompt\.parquet: field 'prompt' is missing \(columns: question\)"):
        load_grpo_requests(tmp_path / "no_prompt.parquet")
    (tmp_path / "junk.parquet").write_text("not parquet")
    with pytest.raises(DataError, match=r"junk\.parquet: not a readable parquet file"):
        load_grpo_requests(tmp_path / "junk.parquet")
    with pytest.raises(DataError, match="file not found"):
        load_grpo_requests(tmp_path / "absent.parquet")


def test_random_queries_strip_and_skip_blanks(tmp_path: Path) -> None:
    path = tmp_path / "random_query.txt"
    path.write_text("生日祝福\r\n\n  新年祝福 \n\n生日祝福", encoding="utf-8")
    assert load_random_queries(path) == ["生日祝福", "新年祝福", "生日祝福"]


def test_bundled_requests() -> None:
    requests = load_bundled_requests()
    assert 35 <= len(requests) <= 50
    assert [r.index for r in requests] == list(range(len(requests)))
    assert len({r.query for r in requests}) == len(requests)
    for request in requests:
        assert request.prompt == policy_prompt(request.query)
        assert request.query.strip() == request.query
    categories = {r.category for r in requests}
    assert {"birthday", "festival", "wedding", "exam", "career", "housewarming"} <= categories
    assert {"recovery", "retirement", "new_baby", "tact"} <= categories
    assert sum(r.category == "tact" for r in requests) >= 5


def test_bundled_requests_are_not_taken_from_the_paper_data(real: DataFiles) -> None:
    paper = {q.strip() for q in load_random_queries(real.random_queries)}
    paper |= {r.query.strip() for r in load_eval_set(real.eval_set)}
    paper |= {p.prompt.strip() for p in load_preference_pairs(real.rm_train) + load_preference_pairs(real.rm_test)}
    paper |= {e.instruction.strip() for e in load_sft_examples(real.sft)}
    paper |= {r.query.strip() for r in load_grpo_requests(real.grpo_train) + load_grpo_requests(real.grpo_test)}
    assert [r.query for r in load_bundled_requests() if r.query in paper] == []
