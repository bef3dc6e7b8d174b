"""The prepared embedded reward-model judge: trained once on request from the embedded model, seeded, cached.

``greetbench train prepare-rm`` (or :func:`ensure_prepared_rm`) trains the bundled preset :data:`PRESET` (LoRA on
the top layers of the embedded Qwen2.5-Coder-0.5B-Instruct, with pairs augmented by training-side attack forms, under
10 minutes on two CPU cores; the recipe comparison in ``leaderboards/rm-recipes`` chose it), fits its threshold on
the eval set's dev split, and caches the merged checkpoint with its threshold file under
``harness.paths.cache_dir("models") / PREPARED_DIRNAME``, the way the embedded model's converted folder is
cached:

- the work happens in a temporary folder beside the cache folder, under an exclusive file lock (a second process
  waits, then reuses the result);
- the marker file :data:`MARKER_FILENAME` is written last, then the folder is renamed into place atomically;
- a folder whose marker is missing, unreadable or records another recipe (:func:`recipe_digest`: the preset's
  bytes and :data:`RECIPE_VERSION`) is not prepared, and the next prepare rebuilds it.

:func:`prepared_rm_checkpoint` tells, without importing torch, whether the judge is prepared and where: the CLI
uses it to show the rm judge beside the principle judge only when it is there (``--judges rm --rm-checkpoint
<folder>``). Nothing is ever trained behind the user's back.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from harness.paths import cache_dir
from trainers.config import resolve_config_path

PRESET = "rm-embedded-hardened"
"""The bundled preset the prepared judge is trained from (the winner of ``leaderboards/rm-recipes``)."""

RECIPE_VERSION = 2
"""Bump when how the prepared judge is made changes outside the preset; older folders are then rebuilt.
2: the hardened recipe (augmented pairs, top-layer LoRA, bf16)."""

PREPARED_DIRNAME = f"greetbench-{PRESET}"
MARKER_FILENAME = "greetbench-prepared-rm.json"
REPORT_FILES = ("rm_report.json", "rm_report.md", "data_report.json")
"""Files of the training run copied into the prepared folder beside the weights."""

THRESHOLD_FILENAME = "greetbench_threshold.json"
"""``harness.judges.reward_model.THRESHOLD_FILENAME``, repeated so that asking whether the judge is prepared
imports neither Inspect nor torch (a test keeps the two equal)."""

PREPARE_COMMAND = "greetbench train prepare-rm"
_TEMP_PREFIX = ".prepare-rm-"


def recipe_digest(preset: str = PRESET) -> str:
    """SHA-256 (hex) of the preset file's bytes and :data:`RECIPE_VERSION`: what a prepared folder must match.

    ``preset`` is a bundled preset name or a YAML file (:func:`trainers.config.resolve_config_path`).
    """
    digest = hashlib.sha256(f"greetbench-prepared-rm/{RECIPE_VERSION}\n".encode())
    digest.update(resolve_config_path(preset).read_bytes())
    return digest.hexdigest()


def prepared_rm_dir() -> Path:
    """Where the prepared judge lives (prepared or not): ``<cache>/models/greetbench-rm-embedded-hardened``."""
    return cache_dir("models") / PREPARED_DIRNAME


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of a prepared folder, or None when it is missing or not a JSON object."""
    try:
        data = json.loads((folder / MARKER_FILENAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def is_prepared(folder: Path, preset: str = PRESET) -> bool:
    """Whether ``folder`` holds a finished prepared judge of the current recipe (weights, threshold, marker)."""
    marker = read_marker(folder)
    return (
        marker is not None
        and marker.get("recipe_sha256") == recipe_digest(preset)
        and (folder / "config.json").is_file()
        and (folder / THRESHOLD_FILENAME).is_file()
    )


def prepared_rm_checkpoint() -> Path | None:
    """The prepared judge's checkpoint folder if it is prepared, else None (cheap: no torch, no training).

    Pass it to the rm judge: ``greetbench eval --judges principle,rm --rm-checkpoint <folder>``.
    """
    folder = prepared_rm_dir()
    return folder if is_prepared(folder) else None


def ensure_prepared_rm(
    progress: bool = True,
    *,
    data_dir: str | Path | None = None,
    force: bool = False,
    preset: str = PRESET,
    target: Path | None = None,
    **overrides: Any,
) -> Path:
    """Return the prepared judge's folder, training it once if it is not prepared (or ``force``).

    Args:
        progress: Progress lines and bars on stderr.
        data_dir: The paper's data folder (default ``$GREETBENCH_DATA_DIR`` or a fetched copy).
        force: Retrain even when a prepared folder exists.
        preset: The preset to train (tests use a tiny one).
        target: Where to cache it (default :func:`prepared_rm_dir`).
        **overrides: Config keys that win over the preset's (tests); they are recorded in the marker.

    Returns:
        The checkpoint folder (weights, tokenizer, ``greetbench_threshold.json``, the run's reports, marker).

    Raises:
        trainers.config.ConfigError: No data folder, or the preset is unusable.
        harness.data.DataError: A data file is missing or malformed.
        RuntimeError: Training finished without a threshold (the eval set's dev split could not be scored).
    """
    from harness.judges.reward_model import read_threshold
    from trainers.config import config_to_dict, load_config, say
    from trainers.reward import RewardConfig, train_reward_model

    target = target or prepared_rm_dir()
    if not force and not overrides and is_prepared(target, preset):
        return target
    log = say("prepare rm") if progress else (lambda _message: None)
    root = target.parent
    root.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(root / f"{target.name}.lock", log):
        if not force and not overrides and is_prepared(target, preset):
            return target
        for stale in root.glob(f"{_TEMP_PREFIX}*"):
            shutil.rmtree(stale, ignore_errors=True)
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=_TEMP_PREFIX, dir=root) as work:
            run = Path(work) / "run"
            config = load_config(
                RewardConfig,
                preset,
                output_dir=str(run),
                data_dir=str(data_dir) if data_dir else None,
                progress=progress,
                **overrides,
            )
            log(f"training the reward-model judge from preset {preset} (once; cached in {target})")
            final = train_reward_model(config, log)
            stored = read_threshold(final)
            if stored is None:
                raise RuntimeError(f"the reward model trained in {run} has no threshold; see {run / 'rm_report.md'}")
            for name in REPORT_FILES:
                if (run / name).is_file():
                    shutil.copy2(run / name, final / name)
            marker = {
                "preset": preset,
                "recipe_sha256": recipe_digest(preset),
                "recipe_version": RECIPE_VERSION,
                "config": {**config_to_dict(config), "output_dir": str(target)},  # the work folder is gone
                "overrides": overrides,
                "threshold": stored.threshold,
                "dev_accuracy": stored.dev_accuracy,
                "prepared_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "prepare_seconds": round(time.monotonic() - started, 1),
                "versions": _library_versions(),
            }
            (final / MARKER_FILENAME).write_text(json.dumps(marker, indent=2, default=str) + "\n", encoding="utf-8")
            if target.exists():
                shutil.rmtree(target)
            os.replace(final, target)
    log(f"saved to {target} ({marker['prepare_seconds']:.0f} s); report {target / 'rm_report.md'}")
    return target


@contextlib.contextmanager
def _exclusive_lock(path: Path, log: Callable[[str], None]) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path``; say so when another process holds it first."""
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log("another process is preparing the reward model; waiting for it")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _library_versions() -> dict[str, str]:
    import importlib.metadata

    versions = {"python": sys.version.split()[0]}
    for name in ("torch", "transformers", "trl", "peft"):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions
