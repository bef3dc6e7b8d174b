"""SHA-256 digests in hex: of bytes or text, and of a file's bytes read in chunks.

The one place greetbench turns content into a SHA-256 hex digest; what goes into a digest (which fields, which
JSON layout) stays with the caller that defines it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK_BYTES = 1 << 20
"""How much of a file is read at a time."""


def sha256_hex(data: bytes | str) -> str:
    """SHA-256 (hex) of ``data``; text is hashed as its UTF-8 bytes."""
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """SHA-256 (hex) of a file's bytes, read in chunks of :data:`CHUNK_BYTES` (memory stays flat for any size).

    Edge cases: an empty file gives the digest of no bytes (``e3b0c442...``).

    Raises:
        OSError: The file cannot be read (missing, a folder, no permission).
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()
