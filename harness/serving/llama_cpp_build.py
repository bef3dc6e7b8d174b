"""llama.cpp's ``llama-server``, built once from the source that PyPI serves and cached.

PyPI has no ``llama-cpp-python`` wheel for these machines, but its source distribution vendors all of llama.cpp,
``tools/server`` included. :func:`ensure_llama_server` downloads that pinned file (SHA-256 checked), builds the
``llama-server`` target with cmake and keeps the binaries under ``<cache>/llama.cpp/<version>-<kind>/``; later calls
return the cached folder at once. A second process waits on a file lock and reuses the result.

Two kinds of build, neither tied to the build machine's instruction set (a ``GGML_NATIVE=ON`` build crashed with an
illegal instruction at model load on a machine of another CPU kind, and these machines differ):

- ``baseline``: ``GGML_NATIVE=OFF``, so x86-64 with AVX2/FMA/F16C, one static binary. About 9 minutes on 2 cores.
- ``variants``: ``GGML_BACKEND_DL`` + ``GGML_CPU_ALL_VARIANTS``: one CPU backend library per instruction-set level
  (haswell, skylakex, icelake, sapphirerapids, ...), of which ggml loads the best that the CPU reports at run time.
  About 21 minutes. A CPU may report what it cannot run (the AMX variant died with an illegal instruction on an
  AMX machine whose sandbox had not enabled AMX), so :func:`runnable_variants_dir` tries the variant ggml picks,
  drops it when it dies, and tries the next, per CPU.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from harness.paths import cache_dir

BuildKind = Literal["baseline", "variants"]
BUILD_KINDS: tuple[BuildKind, ...] = ("baseline", "variants")

LLAMA_CPP_PYTHON_VERSION = "0.3.36"
"""The ``llama-cpp-python`` source distribution whose vendored llama.cpp is built."""

SDIST_URL = (
    "https://files.pythonhosted.org/packages/ec/e9/e7de2b0463ea3ffbf0ede6cb21b58c1258a8f6521aae45ca773a59fe7cf3/"
    f"llama_cpp_python-{LLAMA_CPP_PYTHON_VERSION}.tar.gz"
)
SDIST_SHA256 = "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
SDIST_SIZE = 76_589_250

SOURCE_ENV = "GREETBENCH_LLAMA_CPP_SOURCE"
"""A local copy of the source distribution (the ``.tar.gz``) or of a llama.cpp tree, used instead of downloading."""

SERVER_BINARY = "llama-server"
MARKER = "build.json"

COMMON_CMAKE_ARGS = (
    "-DCMAKE_BUILD_TYPE=Release",
    "-DGGML_NATIVE=OFF",  # never the build machine's own instruction set
    "-DLLAMA_BUILD_SERVER=ON",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_CURL=OFF",  # models are local files; the server never downloads
    "-DLLAMA_OPENSSL=OFF",  # it listens on loopback, plain HTTP
)

KIND_CMAKE_ARGS: dict[BuildKind, tuple[str, ...]] = {
    "baseline": ("-DBUILD_SHARED_LIBS=OFF",),
    "variants": (
        "-DBUILD_SHARED_LIBS=ON",
        "-DGGML_BACKEND_DL=ON",
        "-DGGML_CPU_ALL_VARIANTS=ON",
        "-DCMAKE_BUILD_RPATH_USE_ORIGIN=ON",  # the libraries are found beside the binary wherever it is copied
        "-DCMAKE_BUILD_RPATH=$ORIGIN",
    ),
}

BUILD_MINUTES: dict[BuildKind, str] = {"baseline": "about 9", "variants": "about 21"}
"""What a build takes on 2 cores, for the progress line."""


class LlamaCppBuildError(RuntimeError):
    """The source could not be fetched or verified, or the build failed; the message says which and where."""


@dataclass(frozen=True)
class LlamaServerBuild:
    """A finished ``llama-server`` build in the cache.

    Attributes:
        kind: ``baseline`` or ``variants``.
        folder: The folder holding ``llama-server`` (and, for ``variants``, its libraries and CPU variants).
        seconds: How long the build took when it was made.
    """

    kind: BuildKind
    folder: Path
    seconds: float

    @property
    def binary(self) -> Path:
        """The ``llama-server`` executable."""
        return self.folder / SERVER_BINARY


def cmake_args(kind: BuildKind) -> list[str]:
    """The cmake configure arguments of a build kind (after the source and build folders)."""
    return [*COMMON_CMAKE_ARGS, *KIND_CMAKE_ARGS[kind]]


def build_dir(kind: BuildKind) -> Path:
    """Where a build of ``kind`` lives in the cache (it may not exist yet)."""
    return cache_dir("llama.cpp") / f"{LLAMA_CPP_PYTHON_VERSION}-{kind}"


def cached_build(kind: BuildKind) -> LlamaServerBuild | None:
    """The finished build of ``kind`` in the cache, or None (absent, unfinished, or of another version)."""
    folder = build_dir(kind)
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if marker.get("version") != LLAMA_CPP_PYTHON_VERSION or not (folder / SERVER_BINARY).is_file():
        return None
    return LlamaServerBuild(kind, folder, float(marker.get("seconds", 0.0)))


def _say(progress: bool, message: str) -> None:
    if progress:
        print(f"llama.cpp: {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    with open(path, "w", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_source(dest: Path, progress: bool = False) -> Path:
    """Download the pinned source distribution into ``dest`` (a folder) and check its size and SHA-256.

    Raises:
        LlamaCppBuildError: The download failed or the file is not the pinned one (nothing is left behind).
    """
    target = dest / SDIST_URL.rsplit("/", 1)[1]
    _say(progress, f"downloading llama-cpp-python {LLAMA_CPP_PYTHON_VERSION} source from PyPI (77 MB)")
    try:
        with urllib.request.urlopen(SDIST_URL, timeout=120) as response, open(target, "wb") as out:
            shutil.copyfileobj(response, out, 1 << 20)
    except OSError as error:
        target.unlink(missing_ok=True)
        raise LlamaCppBuildError(
            f"could not download {SDIST_URL}: {error}; set {SOURCE_ENV} to a local copy of the file"
        ) from None
    check_source(target)
    return target


def check_source(sdist: Path) -> None:
    """Raise :class:`LlamaCppBuildError` unless ``sdist`` is the pinned source distribution (size and SHA-256)."""
    size, digest = sdist.stat().st_size, _sha256(sdist)
    if size != SDIST_SIZE or digest != SDIST_SHA256:
        raise LlamaCppBuildError(
            f"{sdist}: not llama-cpp-python {LLAMA_CPP_PYTHON_VERSION}'s source "
            f"(size {size:,}, SHA-256 {digest}; expected {SDIST_SIZE:,}, {SDIST_SHA256})"
        )


def _llama_cpp_tree(work: Path, progress: bool) -> Path:
    """The llama.cpp source tree to build: from ``$GREETBENCH_LLAMA_CPP_SOURCE`` or the downloaded sdist."""
    given = os.environ.get(SOURCE_ENV)
    if given and Path(given).is_dir():
        if not (Path(given) / "tools" / "server").is_dir():
            raise LlamaCppBuildError(f"{SOURCE_ENV}={given}: not a llama.cpp tree (no tools/server)")
        return Path(given)
    if given:
        sdist = Path(given)
        if not sdist.is_file():
            raise LlamaCppBuildError(f"{SOURCE_ENV}={given}: no such file or folder")
        check_source(sdist)
    else:
        sdist = fetch_source(work, progress)
    prefix = f"llama_cpp_python-{LLAMA_CPP_PYTHON_VERSION}/vendor/llama.cpp/"
    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers() if m.name.startswith(prefix)]
        archive.extractall(work / "src", members=members, filter="data")
    return work / "src" / prefix


def _run(command: list[str], log: Path, what: str) -> None:
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(command)}\n")
        out.flush()
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        raise LlamaCppBuildError(f"{what} failed (exit {result.returncode}); log {log}:\n" + "\n".join(tail))


def _generator() -> list[str]:
    return ["-G", "Ninja"] if shutil.which("ninja") else []


def ensure_llama_server(
    kind: BuildKind = "baseline", progress: bool = True, jobs: int | None = None
) -> LlamaServerBuild:
    """Return the cached ``llama-server`` build of ``kind``, building it once when it is missing.

    Args:
        kind: ``baseline`` (one static AVX2 binary) or ``variants`` (run-time selected CPU variants).
        progress: Print each step, with what it takes, to stderr.
        jobs: Parallel compile jobs (default: the CPU count).

    Returns:
        The build.

    Raises:
        LlamaCppBuildError: cmake or a compiler is missing, the source is not the pinned one, or the build failed
            (the message ends with the build log's last lines; a failed build leaves no cache folder).
    """
    if kind not in BUILD_KINDS:
        raise LlamaCppBuildError(f"unknown llama.cpp build kind {kind!r}: choose from {', '.join(BUILD_KINDS)}")
    found = cached_build(kind)
    if found is not None:
        return found
    for tool in ("cmake", "c++"):
        if shutil.which(tool) is None:
            raise LlamaCppBuildError(
                f"building llama-server needs {tool} on PATH (pip install -e '.[serve]' has cmake)"
            )
    target = build_dir(kind)
    with _lock(target.parent / f"{target.name}.lock"):
        found = cached_build(kind)
        if found is not None:
            return found
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f".build-{kind}-", dir=target.parent) as scratch:
            work = Path(scratch)
            log = work / "build.log"
            tree = _llama_cpp_tree(work, progress)
            _say(progress, f"building llama-server ({kind}; {BUILD_MINUTES[kind]} minutes on 2 cores), log {log}")
            build = work / "build"
            _run(["cmake", "-S", str(tree), "-B", str(build), *_generator(), *cmake_args(kind)], log, "cmake configure")
            jobs = jobs or os.cpu_count() or 2
            _run(["cmake", "--build", str(build), "--target", SERVER_BINARY, "-j", str(jobs)], log, "cmake build")
            staged = work / "out"
            _stage_outputs(build / "bin", staged)
            seconds = time.monotonic() - started
            marker = {"version": LLAMA_CPP_PYTHON_VERSION, "kind": kind, "seconds": round(seconds, 1)}
            marker["cmake_args"] = cmake_args(kind)
            (staged / MARKER).write_text(json.dumps(marker, indent=2), encoding="utf-8")
            shutil.copy(log, staged / "build.log")
            if target.exists():
                shutil.rmtree(target)
            os.replace(staged, target)
    _say(progress, f"built in {seconds / 60:.1f} min: {target}")
    return LlamaServerBuild(kind, target, seconds)


def _stage_outputs(bin_dir: Path, staged: Path) -> None:
    """Copy the server and the shared libraries it loads (none for a static build) into ``staged``."""
    staged.mkdir()
    shutil.copy2(bin_dir / SERVER_BINARY, staged / SERVER_BINARY)
    for library in bin_dir.glob("*.so*"):
        shutil.copy2(library, staged / library.name, follow_symlinks=False)  # libfoo.so -> libfoo.so.0 stay links


CPU_VARIANT_PREFIX = "libggml-cpu-"


def cpu_variants(folder: Path) -> list[str]:
    """The CPU variant names of a ``variants`` build folder (``haswell``, ``skylakex``, ...), sorted."""
    return sorted(p.name[len(CPU_VARIANT_PREFIX) : -len(".so")] for p in folder.glob(f"{CPU_VARIANT_PREFIX}*.so"))


def cpu_signature() -> str:
    """A short hash of this CPU's model name and flags: a variant that runs on one CPU may die on another."""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return "unknown"
    wanted = [line for line in info.splitlines() if line.startswith(("model name", "flags"))][:2]
    return hashlib.sha256("\n".join(wanted).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class ProbeResult:
    """One probe of a variants folder.

    Attributes:
        failure: Why the server failed to serve a request (e.g. "killed by SIGILL"), or None when it served one.
        variant: The CPU variant the server had loaded (read from its memory map), when known.
    """

    failure: str | None
    variant: str | None = None


VariantProbe = Callable[[Path], ProbeResult]
"""Starts the server from a folder and has it serve one request."""


def loaded_cpu_variant(pid: int) -> str | None:
    """The CPU variant a running ``llama-server`` loaded (its mapped ``libggml-cpu-<variant>.so``), or None."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in maps.splitlines():
        name = line.rsplit("/", 1)[-1]
        if name.startswith(CPU_VARIANT_PREFIX) and name.endswith(".so"):
            return name[len(CPU_VARIANT_PREFIX) : -len(".so")]
    return None


def runnable_variants_dir(build: LlamaServerBuild, probe: VariantProbe, progress: bool = True) -> Path:
    """A copy of a ``variants`` build without the CPU variants that die on this CPU (made once per CPU).

    ggml loads the best-scoring variant the CPU reports. The copy starts with every variant; while the probe
    fails, the variant ggml picked is removed (when the crash hid which, the most demanding one left: variants the
    CPU does not report are never picked, so removing them changes nothing) and the probe runs again. The variant
    in use and those dropped are recorded in the copy's ``variants.json``.

    Args:
        build: A ``variants`` build.
        probe: Serves one request from a folder (see :class:`ProbeResult`).
        progress: Print what was dropped.

    Raises:
        LlamaCppBuildError: Not a ``variants`` build, or no variant runs here.
    """
    if build.kind != "variants":
        raise LlamaCppBuildError(f"{build.folder} is a {build.kind} build, not a variants build")
    target = build.folder.parent / f"{build.folder.name}-runnable-{cpu_signature()}"
    record = target / "variants.json"
    if record.is_file():
        return target
    with _lock(target.parent / f"{target.name}.lock"):
        if record.is_file():
            return target
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
            for item in build.folder.iterdir():
                if item.name.startswith((SERVER_BINARY, "lib")):
                    shutil.copy2(item, work / item.name, follow_symlinks=False)
            dropped: dict[str, str] = {}
            in_use = None
            while variants := cpu_variants(work):
                result = probe(work)
                if result.failure is None:
                    in_use = result.variant
                    break
                picked = result.variant if result.variant in variants else _most_demanding(variants)
                dropped[picked] = result.failure
                _say(progress, f"CPU variant {picked} cannot run here ({result.failure}); left out")
                (work / f"{CPU_VARIANT_PREFIX}{picked}.so").unlink()
            else:
                raise LlamaCppBuildError(f"no CPU variant of {build.folder} runs on this CPU: {dropped}")
            record_data = {"cpu": cpu_signature(), "in_use": in_use, "kept": cpu_variants(work), "dropped": dropped}
            (work / "variants.json").write_text(json.dumps(record_data, indent=2), encoding="utf-8")
            if target.exists():
                shutil.rmtree(target)
            os.replace(work, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target


VARIANT_ORDER = (
    "x64", "sse42", "sandybridge", "ivybridge", "piledriver", "haswell", "alderlake", "skylakex", "cannonlake",
    "cascadelake", "icelake", "cooperlake", "zen4", "sapphirerapids",
)  # fmt: skip
"""ggml's x86 variants from least to most demanding (its scores rank them the same way)."""


def _most_demanding(variants: list[str]) -> str:
    return max(variants, key=lambda v: VARIANT_ORDER.index(v) if v in VARIANT_ORDER else -1)
