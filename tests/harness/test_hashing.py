"""The one SHA-256 helper: text as UTF-8, files in chunks, the same digests as hashlib on the whole bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from harness import hashing
from harness.hashing import sha256_file, sha256_hex


def test_text_is_hashed_as_utf8() -> None:
    assert sha256_hex("生日快乐") == hashlib.sha256("生日快乐".encode()).hexdigest() == sha256_hex("生日快乐".encode())
    assert sha256_hex("") == hashlib.sha256(b"").hexdigest()


def test_file_digest_does_not_depend_on_the_chunk_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = bytes(range(256)) * 1000
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    want = hashlib.sha256(data).hexdigest()
    assert sha256_file(path) == want
    monkeypatch.setattr(hashing, "CHUNK_BYTES", 7)  # many short reads, a last partial one
    assert sha256_file(str(path)) == want
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert sha256_file(empty) == hashlib.sha256(b"").hexdigest()
    with pytest.raises(OSError):
        sha256_file(tmp_path / "missing")
