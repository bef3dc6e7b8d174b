"""A reward-model judge's content identity: its weight files and threshold hashed, recorded in every log."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from harness.hashing import sha256_file, sha256_hex
from harness.judge_names import RM_IDENTITY
from harness.judges.reward_model.checkpoint import RewardModelError, checkpoint_dir
from harness.judges.reward_model.threshold import _read_threshold_bytes, threshold_path

IDENTITY_VERSION = "greetbench-rm-identity/1"
"""Salt of :func:`reward_model_identity`; bump it whenever what is hashed changes."""

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")
"""File endings that hold weights (top level of the checkpoint folder)."""

NOT_WEIGHTS = frozenset({"training_args.bin", "optimizer.pt", "scheduler.pt", "scaler.pt", "rng_state.pth"})
"""Trainer state that shares the weight endings but never changes a reward (and holds paths and timestamps)."""

IDENTITY_KEYS = (RM_IDENTITY, "rm_weights_sha256", "rm_threshold_sha256")
"""Metadata keys of :meth:`RewardModelIdentity.metadata`; ``rm_sha256`` is the judge's identity."""


@dataclass(frozen=True)
class RewardModelIdentity:
    """What a reward-model judge is, by content: its weights and the threshold it cuts at.

    Attributes:
        sha256: The judge's identity: SHA-256 over :data:`IDENTITY_VERSION`, ``weights_sha256`` and the threshold
            (the threshold file's digest, or the explicit threshold argument when one overrides the file).
        weights_sha256: SHA-256 over the weight files' names, sizes and contents (:func:`weights_sha256`).
        threshold_sha256: SHA-256 of the threshold file's bytes, or None when the folder has none.
        threshold_source: ``stored`` (the file's cut is used) or ``argument`` (an explicit cut is).
    """

    sha256: str
    weights_sha256: str
    threshold_sha256: str | None
    threshold_source: str

    def metadata(self) -> dict[str, str | None]:
        """The identity under :data:`IDENTITY_KEYS`, as recorded in the log."""
        return dict(zip(IDENTITY_KEYS, (self.sha256, self.weights_sha256, self.threshold_sha256), strict=True))


def weight_files(checkpoint: str | Path) -> list[Path]:
    """The checkpoint's weight files: top-level files ending in :data:`WEIGHT_SUFFIXES`, minus trainer state.

    Edge cases: sub-folders (``checkpoint-*``) are not part of the model and are skipped; config, tokenizer and
    chat-template files are not weights and are not hashed.

    Raises:
        RewardModelError: The folder holds no weight file.
    """
    folder = Path(checkpoint)
    files = sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix in WEIGHT_SUFFIXES and p.name not in NOT_WEIGHTS
    )
    if not files:
        raise RewardModelError(f"{folder}: no weight files ({', '.join(WEIGHT_SUFFIXES)})")
    return files


_FILE_DIGESTS: dict[tuple[str, int, int], str] = {}
_FILE_DIGESTS_LOCK = threading.Lock()


def cached_file_sha256(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes, streamed, cached per process by (resolved path, size, mtime).

    A 7B checkpoint (about 15 GB) is read once per process; rewriting the file (new size or mtime) rehashes it.
    Two threads asking at once may both hash it (the cache is filled, not locked, during the read).
    """
    resolved = path.resolve()
    stat = resolved.stat()
    key = (str(resolved), stat.st_size, stat.st_mtime_ns)
    with _FILE_DIGESTS_LOCK:
        if key in _FILE_DIGESTS:
            return _FILE_DIGESTS[key]
    digest = sha256_file(resolved)
    with _FILE_DIGESTS_LOCK:
        _FILE_DIGESTS[key] = digest
    return digest


def weights_sha256(checkpoint: str | Path) -> str:
    """SHA-256 over a checkpoint's weight files (:func:`weight_files`): each file's name, size and content digest.

    Names are relative to the folder, so a copy elsewhere (or under another folder name) hashes the same.

    Raises:
        RewardModelError: No weight files.
    """
    digest = hashlib.sha256()
    for path in weight_files(checkpoint):
        digest.update(f"{path.name}\0{path.stat().st_size}\0{cached_file_sha256(path)}\n".encode())
    return digest.hexdigest()


def _identity(path: Path, threshold_bytes: bytes | None, threshold: float | None) -> RewardModelIdentity:
    weights = weights_sha256(path)
    file_sha = None if threshold_bytes is None else sha256_hex(threshold_bytes)
    # An explicit cut replaces the file's: the verdicts depend on the cut used, so that is what is hashed.
    if threshold is None:
        cut = f"threshold-file {file_sha or 'none'}"
    else:
        cut = f"threshold-argument {float(threshold).hex()}"
    combined = sha256_hex(f"{IDENTITY_VERSION}\nweights {weights}\n{cut}\n")
    return RewardModelIdentity(combined, weights, file_sha, "stored" if threshold is None else "argument")


def reward_model_identity(checkpoint: str | Path, threshold: float | None = None) -> RewardModelIdentity:
    """The content identity of a reward-model judge (see :class:`RewardModelIdentity`).

    Two folders with the same weights and threshold file have the same identity whatever they are called; a
    retrained model or a refitted threshold saved to the same folder gets a new one.

    Args:
        checkpoint: The checkpoint folder.
        threshold: An explicit cut overriding the stored one (then the file's bytes do not count).

    Returns:
        The identity.

    Raises:
        RewardModelError: Not a checkpoint folder, or no weight files.
    """
    path = checkpoint_dir(checkpoint)
    return _identity(path, _read_threshold_bytes(threshold_path(path)), threshold)
