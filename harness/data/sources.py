"""The pinned upstream data set: where it lives, how to fetch and verify it, and where to find a local copy."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from harness.data.errors import ChecksumError, DataError, FetchError
from harness.hashing import sha256_file
from harness.paths import cache_dir

#: The paper's public repository on GitHub (owner/name).
UPSTREAM_REPO = "weixiaolong94-hub/Igniting-Creative-Writing-in-Small-Language-Models"

#: The pinned upstream commit (short form, as raw.githubusercontent.com accepts it).
UPSTREAM_COMMIT = "992c228"

#: Where the data files live inside the upstream repository.
UPSTREAM_DATASET_DIR = "dataset"

#: Relative paths of the data files, below the data set root.
EVAL_SET_RELPATH = "evaluation_set/evaluate_data.json"
RM_TRAIN_RELPATH = "reward_model/reward_data_train.json"
RM_TEST_RELPATH = "reward_model/reward_data_test.json"
SFT_RELPATH = "sft/sft_data.json"
GRPO_TRAIN_RELPATH = "grpo_data/train.parquet"
GRPO_TEST_RELPATH = "grpo_data/test.parquet"
RANDOM_QUERIES_RELPATH = "random_query.txt"

#: Upstream SHA-256 of every file at ``UPSTREAM_COMMIT`` (the evaluation set is the full 2,000-row upstream file).
UPSTREAM_FILES: dict[str, str] = {
    EVAL_SET_RELPATH: "a0462ea2ac54df7afed49ba38a8d2b4fe5eb0ef659f005f06ec1153b19db10f0",
    GRPO_TEST_RELPATH: "a82c54bec6669a2d2b8cecb5f30ba771c026afdaae41d7891918daad5417336c",
    GRPO_TRAIN_RELPATH: "3fba5999ed5d18660ae0ddff4ca52f5a4206df3450824252886019d441b05ef7",
    RM_TEST_RELPATH: "c705e33035ad637384660276719768f98a4063517e1f815951e0aa84353c719d",
    RM_TRAIN_RELPATH: "4086e5fc4f566dbe3b48dad4fb002ba6b118ad454f1fc34643299fc88dd6f842",
    SFT_RELPATH: "b617fea34d4b7519eaeef2215cca3edb1b5136e236ccf2fd73c37b666a40cbfc",
    RANDOM_QUERIES_RELPATH: "b0f620023adc25fc3870a24e37fe63434898b797608bbc3d74be02e54f665cb8",
}

#: Environment variable naming a local data folder (same layout as upstream's ``dataset/``).
DATA_DIR_ENV = "GREETBENCH_DATA_DIR"

#: Bytes read per chunk while streaming a download.
CHUNK_BYTES = 1 << 16

#: Seconds a download may stall before it fails.
FETCH_TIMEOUT_S = 60.0


def upstream_base_url(repo: str = UPSTREAM_REPO, commit: str = UPSTREAM_COMMIT) -> str:
    """Return the raw-file URL of the upstream ``dataset/`` folder at ``commit`` (no trailing slash)."""
    return f"https://raw.githubusercontent.com/{repo}/{commit}/{UPSTREAM_DATASET_DIR}"


def default_fetch_dir() -> Path:
    """Return (and create) the cache folder for the pinned upstream files: ``<cache>/data/<commit>``."""
    return cache_dir("data", UPSTREAM_COMMIT)


@dataclass(frozen=True)
class FetchProgress:
    """One file's outcome during ``fetch_upstream``.

    Attributes:
        relpath: The file, relative to the data set root.
        status: ``"present"`` (already there with the pinned hash, not downloaded) or ``"downloaded"``.
        size: The file's size in bytes.
        path: Where it now lies.
    """

    relpath: str
    status: Literal["present", "downloaded"]
    size: int
    path: Path


def fetch_upstream(
    dest: Path | None = None,
    *,
    base_url: str | None = None,
    progress: Callable[[FetchProgress], None] | None = None,
) -> Path:
    """Download every file of ``UPSTREAM_FILES`` once, verified against its pinned SHA-256.

    Each file streams into a temporary file beside its target, is hashed on the way, and is renamed into place
    only if the hash matches, so a target path never holds a partial or wrong file. A file already present with
    the pinned hash is left alone; one present with another hash is downloaded again and replaced.

    Args:
        dest: The data set root to fill; default ``default_fetch_dir()`` (``<cache>/data/992c228``).
        base_url: The URL of the data set root; default ``upstream_base_url()``. Tests pass a ``file://`` URL.
        progress: Called once per file, after it is verified, with a ``FetchProgress``.

    Returns:
        The data set root.

    Raises:
        ChecksumError: A download's hash is not the pinned one (the temporary file is deleted, and a file
            already at the target is left as it was).
        FetchError: A download failed in transit.
    """
    root = Path(dest) if dest is not None else default_fetch_dir()
    base = (base_url or upstream_base_url()).rstrip("/")
    for relpath, expected in UPSTREAM_FILES.items():
        target = root / relpath
        status: Literal["present", "downloaded"] = "present"
        if not (target.is_file() and sha256_file(target) == expected):
            _download(f"{base}/{relpath}", target, expected)
            status = "downloaded"
        if progress is not None:
            progress(FetchProgress(relpath, status, target.stat().st_size, target))
    return root


def _download(url: str, target: Path, expected: str) -> None:
    """Stream ``url`` into a temporary file beside ``target``; rename it into place only if its hash matches."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    temp = Path(temp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(descriptor, "wb") as handle:
            try:
                with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_S) as response:  # noqa: S310
                    while chunk := response.read(CHUNK_BYTES):
                        digest.update(chunk)
                        handle.write(chunk)
            except (urllib.error.URLError, OSError) as err:
                reason = err if isinstance(err, urllib.error.HTTPError) else getattr(err, "reason", None) or err
                raise FetchError(url, str(reason)) from err
        actual = digest.hexdigest()
        if actual != expected:
            raise ChecksumError(target, expected, actual)
        os.replace(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _is_complete(root: Path) -> bool:
    return all((root / relpath).is_file() for relpath in UPSTREAM_FILES)


def resolve_data_dir(data_dir: str | Path | None = None) -> Path | None:
    """Find the data folder to use.

    Precedence: the explicit argument, then ``$GREETBENCH_DATA_DIR`` (empty counts as unset), then the fetched
    cache (``default_fetch_dir()``, created empty if absent) if every upstream file is present there, else None.
    A local folder is taken as is: no file is required in it and no checksum is checked (the shared copy's
    evaluation set differs from upstream on purpose); loaders report missing files when they are read.

    Args:
        data_dir: A folder with the upstream ``dataset/`` layout, or None.

    Returns:
        The folder, or None when nothing is given and nothing was fetched.

    Raises:
        DataError: The given folder (argument or environment) does not exist or is not a folder.
    """
    if data_dir is not None and str(data_dir) != "":
        return _existing_dir(Path(data_dir), "the data folder given")
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env:
        return _existing_dir(Path(from_env), f"${DATA_DIR_ENV}")
    cached = default_fetch_dir()
    return cached if _is_complete(cached) else None


def _existing_dir(path: Path, origin: str) -> Path:
    if not path.exists():
        raise DataError(path, f"does not exist ({origin})")
    if not path.is_dir():
        raise DataError(path, f"is not a folder ({origin})")
    return path


@dataclass(frozen=True)
class DataFiles:
    """The files of one data folder, so callers never spell relative paths.

    Attributes:
        root: The data set root (upstream's ``dataset/`` layout).
    """

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def eval_set(self) -> Path:
        """``evaluation_set/evaluate_data.json`` (JSON Lines)."""
        return self.root / EVAL_SET_RELPATH

    @property
    def rm_train(self) -> Path:
        """``reward_model/reward_data_train.json``."""
        return self.root / RM_TRAIN_RELPATH

    @property
    def rm_test(self) -> Path:
        """``reward_model/reward_data_test.json``."""
        return self.root / RM_TEST_RELPATH

    @property
    def sft(self) -> Path:
        """``sft/sft_data.json``."""
        return self.root / SFT_RELPATH

    @property
    def grpo_train(self) -> Path:
        """``grpo_data/train.parquet``."""
        return self.root / GRPO_TRAIN_RELPATH

    @property
    def grpo_test(self) -> Path:
        """``grpo_data/test.parquet``."""
        return self.root / GRPO_TEST_RELPATH

    @property
    def random_queries(self) -> Path:
        """``random_query.txt``."""
        return self.root / RANDOM_QUERIES_RELPATH

    def missing(self) -> list[str]:
        """Return the relative paths of upstream files absent from ``root`` (empty when complete)."""
        return [relpath for relpath in UPSTREAM_FILES if not (self.root / relpath).is_file()]
