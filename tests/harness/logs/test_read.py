"""Finding and reading logs through Inspect's public readers."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.logs.read import LogReadError, expand_log_paths, log_file, log_sha256, read_header, read_samples


def test_log_file_reads_file_urls() -> None:
    assert log_file("file:///a/b/x%20y.eval") == Path("/a/b/x y.eval")
    assert log_file("/a/b/x.eval") == Path("/a/b/x.eval")


def test_expand_finds_each_log_once(small_log: Path, tmp_path: Path) -> None:
    assert expand_log_paths([small_log.parent, small_log]) == [small_log.resolve()]
    with pytest.raises(LogReadError, match="no such log file or folder"):
        expand_log_paths([tmp_path / "missing"])
    with pytest.raises(FileNotFoundError):
        expand_log_paths([tmp_path / "missing"])


def test_samples_come_in_dataset_or_id_order(small_log: Path) -> None:
    header = read_header(small_log)
    assert header.samples is None
    assert [s.id for s in read_samples(small_log, header)] == [3, 1, 2]
    assert [s.id for s in read_samples(small_log, header, full=True)] == [3, 1, 2]
    assert [s.id for s in read_samples(small_log, header, full=True, order="id")] == [1, 2, 3]


def test_sha256_of_a_missing_file_is_none(small_log: Path, tmp_path: Path) -> None:
    assert log_sha256(tmp_path / "gone.eval") is None
    assert log_sha256(small_log) == log_sha256(f"file://{small_log}")
