"""read_records: JSON arrays and JSON Lines, whatever the extension; malformed input named by file and line."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.data import DataError, load_records, read_records

ROWS = [{"query": "生日祝福", "label": 1}, {"query": "新年祝福", "label": 0}]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_json_lines_and_array_give_the_same_objects(tmp_path: Path) -> None:
    lines = write(tmp_path, "data.json", "\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS))
    array = write(tmp_path, "data.jsonl", json.dumps(ROWS, ensure_ascii=False, indent=2))
    assert [obj for _, obj in read_records(lines)] == ROWS == [obj for _, obj in read_records(array)]
    assert [n for n, _ in read_records(lines)] == [1, 2]  # 1-based lines
    assert [n for n, _ in read_records(array)] == [0, 1]  # 0-based array items
    assert load_records(lines).layout == "json-lines"
    assert load_records(array).layout == "json-array"


def test_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    path = write(tmp_path, "data.txt", "\n" + json.dumps(ROWS[0]) + "\n  \n\r\n" + json.dumps(ROWS[1]) + "\r\n\n")
    assert read_records(path) == [(2, ROWS[0]), (5, ROWS[1])]


def test_byte_order_mark_and_leading_space_before_array(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf  \n" + json.dumps(ROWS).encode())
    assert [obj for _, obj in read_records(path)] == ROWS


def test_empty_file_has_no_records(tmp_path: Path) -> None:
    assert read_records(write(tmp_path, "empty.json", "")) == []
    assert read_records(write(tmp_path, "blank.json", "\n\n")) == []
    assert read_records(write(tmp_path, "empty_array.json", "[]")) == []


def test_line_separator_inside_a_string_does_not_split_a_line(tmp_path: Path) -> None:
    row = {"response": "第一句\u2028第二句\u0085"}
    path = write(tmp_path, "data.json", json.dumps(row, ensure_ascii=False) + "\n")
    assert read_records(path) == [(1, row)]


def test_malformed_json_line_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "evaluate_data.json", json.dumps(ROWS[0]) + '\n\n{"query": "x",\n')
    with pytest.raises(DataError) as caught:
        read_records(path)
    err = caught.value
    assert (err.path, err.line, err.field) == (path, 3, None)
    assert str(err).startswith(f"{path} line 3: malformed JSON")


def test_malformed_json_array_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "pairs.json", '[\n  {"a": 1},\n  {"a": 2,,}\n]')
    with pytest.raises(DataError, match=r"pairs\.json line 3: malformed JSON array") as caught:
        read_records(path)
    assert caught.value.line == 3


def test_pretty_printed_object_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "one.json", json.dumps(ROWS[0], indent=2))
    with pytest.raises(DataError, match="line 1: malformed JSON.*one JSON object per line"):
        read_records(path)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{"a": 1}\n[1, 2]\n', "line 2"),
        ('{"a": 1}\n"text"\n', "line 2"),
        ('[{"a": 1}, 3]', "item 1"),
        ("[null]", "item 0"),
    ],
)
def test_non_object_records_are_refused(tmp_path: Path, text: str, where: str) -> None:
    path = write(tmp_path, "rows.json", text)
    with pytest.raises(DataError, match=f"rows.json {where}: expected a JSON object"):
        read_records(path)


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        read_records(tmp_path / "absent.json")
    path = tmp_path / "latin1.json"
    path.write_bytes('{"query": "café"}'.encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        read_records(path)


def test_data_error_is_a_value_error_and_pickles() -> None:
    err = DataError("a/b.json", "must be 0 or 1, got 2", line=7, field="label", unit="item")
    assert isinstance(err, ValueError)
    assert str(err) == "a/b.json item 7: field 'label' must be 0 or 1, got 2"
    clone = pickle.loads(pickle.dumps(err))
    assert (str(clone), clone.line, clone.field, clone.unit) == (str(err), 7, "label", "item")


json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
json_objects = st.dictionaries(st.text(max_size=8), json_values, max_size=4)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(json_objects, max_size=6), ascii_only=st.booleans(), indent=st.sampled_from([None, 2]))
def test_round_trip_both_layouts(tmp_path: Path, rows: list[dict], ascii_only: bool, indent: int | None) -> None:
    lines = write(tmp_path, "rows.json", "\n".join(json.dumps(r, ensure_ascii=ascii_only) for r in rows))
    array = write(tmp_path, "rows.jsonl", json.dumps(rows, ensure_ascii=ascii_only, indent=indent))
    assert read_records(lines) == [(number, row) for number, row in enumerate(rows, start=1)]
    assert read_records(array) == list(enumerate(rows))
