"""fetch_upstream from a local file:// tree, resolve_data_dir precedence, DataFiles, and the pinned hashes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import harness.data.sources as sources
from harness.data import (
    DATA_DIR_ENV,
    UPSTREAM_COMMIT,
    UPSTREAM_FILES,
    ChecksumError,
    DataError,
    DataFiles,
    FetchError,
    FetchProgress,
    fetch_upstream,
    resolve_data_dir,
    upstream_base_url,
)
from harness.hashing import sha256_file

CONTENT = {"a/one.json": b'[{"x": 1}]', "two.txt": "生日祝福\n".encode()}


@pytest.fixture
def mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A local mirror of two small files, with UPSTREAM_FILES pinned to their hashes."""
    root = tmp_path / "mirror"
    for relpath, data in CONTENT.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_bytes(data)
    monkeypatch.setattr(
        sources, "UPSTREAM_FILES", {rel: hashlib.sha256(data).hexdigest() for rel, data in CONTENT.items()}
    )
    return root


def test_fetch_downloads_then_skips(mirror: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    events: list[FetchProgress] = []
    assert fetch_upstream(dest, base_url=mirror.as_uri(), progress=events.append) == dest
    assert [(e.relpath, e.status, e.size) for e in events] == [
        ("a/one.json", "downloaded", len(CONTENT["a/one.json"])),
        ("two.txt", "downloaded", len(CONTENT["two.txt"])),
    ]
    assert all((dest / rel).read_bytes() == data for rel, data in CONTENT.items())
    events.clear()
    (mirror / "two.txt").unlink()  # a second run must not touch the mirror at all
    fetch_upstream(dest, base_url=mirror.as_uri() + "/", progress=events.append)
    assert [e.status for e in events] == ["present", "present"]
    assert sorted(p.name for p in dest.rglob("*")) == ["a", "one.json", "two.txt"]  # no temp files left


def test_fetch_replaces_a_corrupt_local_copy(mirror: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    (dest / "a").mkdir(parents=True)
    (dest / "a/one.json").write_text("corrupt")
    fetch_upstream(dest, base_url=mirror.as_uri())
    assert (dest / "a/one.json").read_bytes() == CONTENT["a/one.json"]


def test_checksum_mismatch_is_refused_and_leaves_nothing(mirror: Path, tmp_path: Path) -> None:
    (mirror / "two.txt").write_bytes(b"tampered")
    dest = tmp_path / "dest"
    with pytest.raises(ChecksumError) as caught:
        fetch_upstream(dest, base_url=mirror.as_uri())
    err = caught.value
    assert err.path == dest / "two.txt"
    assert err.expected == sources.UPSTREAM_FILES["two.txt"]
    assert err.actual == hashlib.sha256(b"tampered").hexdigest()
    assert "two.txt" in str(err) and err.expected in str(err) and err.actual in str(err)
    assert isinstance(err, DataError)
    assert sorted(p.name for p in dest.rglob("*")) == ["a", "one.json"]  # the good file stays, no partial file


def test_missing_remote_file_is_a_fetch_error(mirror: Path, tmp_path: Path) -> None:
    (mirror / "a/one.json").unlink()
    with pytest.raises(FetchError, match="could not fetch file://.*one.json"):
        fetch_upstream(tmp_path / "dest", base_url=mirror.as_uri())
    assert not list((tmp_path / "dest").rglob("*.part"))


def test_default_destination_is_the_cache(mirror: Path, isolated_env: Path) -> None:
    root = fetch_upstream(base_url=mirror.as_uri())
    assert root == isolated_env / "data" / UPSTREAM_COMMIT
    assert (root / "two.txt").is_file()


def test_network_urls_are_never_opened_in_tests(mirror: Path, tmp_path: Path, monkeypatch) -> None:
    opened: list[str] = []

    def fake_urlopen(url: str, timeout: float):
        opened.append(url)
        raise OSError("offline")

    monkeypatch.setattr(sources.urllib.request, "urlopen", fake_urlopen)
    with pytest.raises(FetchError, match="offline"):
        fetch_upstream(tmp_path / "dest")
    assert opened == [f"{upstream_base_url()}/a/one.json"]
    assert opened[0].startswith(
        "https://raw.githubusercontent.com/weixiaolong94-hub/Igniting-Creative-Writing-in-Small-Language-Models/992c228/dataset/"
    )


def test_pinned_hashes_match_the_shared_copy(shared_data_dir: Path) -> None:
    assert len(UPSTREAM_FILES) == 7
    for relpath, expected in UPSTREAM_FILES.items():
        actual = sha256_file(shared_data_dir / relpath)
        if relpath == "evaluation_set/evaluate_data.json":
            assert actual != expected  # the shared copy holds 1,605 of the 2,000 upstream rows
        else:
            assert actual == expected, relpath


def test_resolve_precedence(tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit, from_env = tmp_path / "explicit", tmp_path / "env"
    explicit.mkdir()
    from_env.mkdir()
    assert resolve_data_dir() is None  # nothing given, nothing fetched
    cache = isolated_env / "data" / UPSTREAM_COMMIT
    for relpath in UPSTREAM_FILES:
        (cache / relpath).parent.mkdir(parents=True, exist_ok=True)
        (cache / relpath).write_text("x")  # presence is enough; no checksum
    assert resolve_data_dir() == cache
    monkeypatch.setenv(DATA_DIR_ENV, str(from_env))
    assert resolve_data_dir() == from_env
    assert resolve_data_dir(str(explicit)) == explicit
    monkeypatch.setenv(DATA_DIR_ENV, "")
    assert resolve_data_dir() == cache  # empty counts as unset


def test_incomplete_cache_is_not_used(isolated_env: Path) -> None:
    cache = isolated_env / "data" / UPSTREAM_COMMIT
    cache.mkdir(parents=True)
    (cache / "random_query.txt").write_text("x")
    assert resolve_data_dir() is None


def test_given_dirs_must_exist(tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DataError, match=r"missing: does not exist \(the data folder given\)"):
        resolve_data_dir(tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(DataError, match="is not a folder"):
        resolve_data_dir(tmp_path / "file")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "gone"))
    with pytest.raises(DataError, match=rf"gone: does not exist \(\${DATA_DIR_ENV}\)"):
        resolve_data_dir()


def test_data_files_paths(tmp_path: Path) -> None:
    files = DataFiles(str(tmp_path))  # a str root is accepted
    assert files.root == tmp_path
    assert files.eval_set == tmp_path / "evaluation_set/evaluate_data.json"
    assert files.rm_train == tmp_path / "reward_model/reward_data_train.json"
    assert files.rm_test == tmp_path / "reward_model/reward_data_test.json"
    assert files.sft == tmp_path / "sft/sft_data.json"
    assert files.grpo_train == tmp_path / "grpo_data/train.parquet"
    assert files.grpo_test == tmp_path / "grpo_data/test.parquet"
    assert files.random_queries == tmp_path / "random_query.txt"
    paths = [files.eval_set, files.rm_train, files.rm_test, files.sft, files.grpo_train, files.grpo_test]
    assert {p.relative_to(tmp_path).as_posix() for p in [*paths, files.random_queries]} == set(UPSTREAM_FILES)
    assert sorted(files.missing()) == sorted(UPSTREAM_FILES)
