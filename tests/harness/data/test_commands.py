"""`greetbench data fetch` and `greetbench data check` through click's CliRunner."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import harness.data.sources as sources
from harness.data import DATA_DIR_ENV, DataFiles, check_data_dir
from harness.data.commands import data


def test_check_prints_the_report(tiny_files: DataFiles, isolated_env: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "check.json"
    result = CliRunner().invoke(data, ["check", "--data-dir", str(tiny_files.root), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "| `evaluation_set/evaluate_data.json` | 6 |" in result.output
    assert "rows: 6 (3 good / 3 bad)" in result.output
    assert "| any training source | 3 | 3 |" in result.output
    assert "identical sides: 1" in result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["contamination"]["contaminated_rows"] == 3
    assert report["contamination_digest"] == check_data_dir(tiny_files).contamination_digest


def test_check_uses_the_environment(tiny_files: DataFiles, isolated_env: Path, monkeypatch) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tiny_files.root))
    result = CliRunner().invoke(data, ["check"])
    assert result.exit_code == 0, result.output
    assert str(tiny_files.root) in result.output


def test_check_without_data_explains_what_to_do(isolated_env: Path) -> None:
    result = CliRunner().invoke(data, ["check"])
    assert result.exit_code == 1
    for hint in ("--data-dir", DATA_DIR_ENV, "greetbench data fetch"):
        assert hint in result.output
    assert "Traceback" not in result.output


def test_check_reports_a_bad_row_without_traceback(tiny_files: DataFiles, isolated_env: Path) -> None:
    lines = tiny_files.eval_set.read_text(encoding="utf-8").splitlines()
    lines[3] = json.dumps({"query": "q", "response": "r", "label": True})
    tiny_files.eval_set.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(data, ["check", "--data-dir", str(tiny_files.root)])
    assert result.exit_code == 1
    assert f"{tiny_files.eval_set} line 4: field 'label' must be 0 or 1, got true" in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, ValueError)  # handled, not crashed


def test_check_missing_file_and_missing_dir(tiny_files: DataFiles, isolated_env: Path, tmp_path: Path) -> None:
    tiny_files.sft.unlink()
    result = CliRunner().invoke(data, ["check", "--data-dir", str(tiny_files.root)])
    assert result.exit_code == 1
    assert "sft_data.json: file not found" in result.output
    result = CliRunner().invoke(data, ["check", "--data-dir", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "does not exist" in result.output


@pytest.fixture
def mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "mirror"
    (root / "d").mkdir(parents=True)
    (root / "d" / "f.txt").write_bytes(b"hello")
    monkeypatch.setattr(sources, "UPSTREAM_FILES", {"d/f.txt": hashlib.sha256(b"hello").hexdigest()})
    return root


def test_fetch_command(mirror: Path, tmp_path: Path, isolated_env: Path) -> None:
    dest = tmp_path / "dest"
    args = ["fetch", "--dest", str(dest), "--base-url", mirror.as_uri()]
    first = CliRunner().invoke(data, args)
    assert first.exit_code == 0, first.output
    assert "d/f.txt: downloaded, 5 bytes, SHA-256 ok" in first.output
    assert f"data in {dest}" in first.output
    second = CliRunner().invoke(data, args)
    assert "d/f.txt: already present" in second.output


def test_fetch_command_refuses_a_bad_hash(mirror: Path, tmp_path: Path, isolated_env: Path) -> None:
    (mirror / "d" / "f.txt").write_bytes(b"evil")
    result = CliRunner().invoke(data, ["fetch", "--dest", str(tmp_path / "dest"), "--base-url", mirror.as_uri()])
    assert result.exit_code == 1
    assert "SHA-256 mismatch" in result.output and hashlib.sha256(b"evil").hexdigest() in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "dest" / "d" / "f.txt").exists()


def test_real_data_check(shared_data_dir: Path, isolated_env: Path) -> None:
    result = CliRunner().invoke(data, ["check", "--data-dir", str(shared_data_dir)])
    assert result.exit_code == 0, result.output
    assert "rows: 1,605" in result.output
    assert "SFT examples that are RM-train (prompt, chosen) pairs: 4,000" in result.output  # DESIGN.md
    assert "rm_train: 6,310 pairs; chosen longer in 96.1%" in result.output  # DESIGN.md
    assert "rm_test: 1,586 pairs; chosen longer in 95.3%" in result.output  # DESIGN.md


def test_verl_parquet_carries_the_request_in_each_row(tiny_files: DataFiles, isolated_env: Path, tmp_path: Path):
    import polars as pl

    from harness.data import load_grpo_requests

    out = tmp_path / "verl"
    result = CliRunner().invoke(data, ["verl-parquet", "--data-dir", str(tiny_files.root), "--out", str(out)])
    assert result.exit_code == 0, result.output
    for split, source in (("train", tiny_files.grpo_train), ("test", tiny_files.grpo_test)):
        rows = pl.read_parquet(out / f"{split}.parquet").to_dicts()
        requests = load_grpo_requests(source)
        assert [r["extra_info"] for r in rows] == [
            {"index": q.index, "split": split, "query": q.query} for q in requests
        ]
        assert [r["reward_model"]["ground_truth"] for r in rows] == [q.query for q in requests]
        assert [r["prompt"][0]["content"] for r in rows] == [q.prompt for q in requests]
    # the written files read back through the harness loader as the same prompts
    assert [q.query for q in load_grpo_requests(out / "train.parquet")] == [
        q.query for q in load_grpo_requests(tiny_files.grpo_train)
    ]
    missing = CliRunner().invoke(data, ["verl-parquet", "--data-dir", str(tmp_path / "none"), "--out", str(out)])
    assert missing.exit_code == 1 and "Error:" in missing.output and "Traceback" not in missing.output
