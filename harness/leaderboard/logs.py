"""Reading Inspect logs for a leaderboard, and the checks a log must pass before it is ranked.

A log is read through :mod:`harness.logs` as its header plus its sample summaries (scores, answers and judge
reasons, without the transcript), which is what a leaderboard shows; ``full=True`` reads whole samples. A record
holds the samples twice over: as :class:`SampleView` (what a board page shows of a sample) and as the sample
scores frame (:func:`harness.logs.frames.sample_scores_frame`) that the figures and checks read.
Every check returns the reasons a log fails, in words a submitter can act on; an empty list means it passed.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import polars as pl
from inspect_ai.log import EvalLog

from harness.hashing import sha256_file
from harness.interval_keys import interval_keys, with_interval
from harness.judge_names import RM_IDENTITY
from harness.logs.frames import (
    EXCELLENCE,
    PRINCIPLES_KEY,
    header_identities,
    joined_identities,
    judge_names,
    runs_frame,
    sample_scores_frame,
)
from harness.logs.read import LogReadError, read_header, read_samples
from harness.stats import wilson_interval

CREATIVITY = "creativity"
"""The creativity scorer's name in logs."""

TOLERANCE = 1e-9
"""How far a recomputed figure may sit from the logged one (both come from the same float arithmetic)."""


@dataclass(frozen=True)
class SampleView:
    """What a leaderboard keeps of one sample.

    Attributes:
        id: Sample id.
        epoch: Epoch (1-based).
        query: The greeting request (``metadata["query"]``, else the input text).
        prompt: The full input text, for telling prompt sets apart.
        output: The model's greeting (as the scorers recorded it).
        scores: Scorer name -> (value, explanation, reason); value is a float, NaN when unscored, or a dict for
            scorers with several fields (``creativity``).
        metadata: Per-scorer metadata (thinned by Inspect in summaries).
        error: The sample's error message, if any.
    """

    id: str | int
    epoch: int
    query: str
    prompt: str
    output: str
    scores: dict[str, tuple[Any, str | None, str | None]]
    metadata: dict[str, dict[str, Any]]
    error: str | None


@dataclass(frozen=True)
class LogRecord:
    """One log as a leaderboard sees it.

    Attributes:
        path: The log file.
        sha256: SHA-256 of the file's bytes.
        log: The header (no samples).
        samples: The samples, in the run's dataset order (by epoch).
        scores: The samples' scores, one row per sample and scorer
            (:func:`harness.logs.frames.sample_scores_frame`).
    """

    path: Path
    sha256: str
    log: EvalLog
    samples: list[SampleView] = field(repr=False)
    scores: pl.DataFrame = field(repr=False)

    @property
    def name(self) -> str:
        """The file name."""
        return self.path.name


# ---------------------------------------------------------------------------------------------------------------
# Reading


def read_log(path: str | Path, full: bool = False, sha256: str | None = None) -> LogRecord:
    """Read a log's header and its samples (:mod:`harness.logs.read`).

    Args:
        path: An Inspect log (``.eval`` or ``.json``).
        full: Read whole samples (the scores' answers and reasons untruncated) instead of the summaries.
        sha256: The file's hash when the caller has just computed it.

    Returns:
        The record.

    Raises:
        LogReadError: The file is missing or is not an Inspect log.
    """
    path = Path(path)
    try:
        sha = sha256 or sha256_file(path)
        log = read_header(path)
        samples = read_samples(path, log, full=full)
        views = [_view(s, s.output.completion if full and s.output else None) for s in samples]
        scores = sample_scores_frame(log.location, samples)
    except FileNotFoundError as error:
        raise LogReadError(f"{path}: no such file") from error
    except Exception as error:  # noqa: BLE001 (inspect raises many kinds for a file that is not a log)
        raise LogReadError(f"{path}: not a readable Inspect log ({type(error).__name__}: {error})") from error
    return LogRecord(path=path, sha256=sha, log=log, samples=views, scores=scores)


def _view(sample: Any, completion: str | None) -> SampleView:
    scores = sample.scores or {}
    answers = [s.answer for s in scores.values() if s.answer is not None]
    output = completion if completion is not None else (answers[0] if answers else "")
    metadata = sample.metadata or {}
    prompt = _text(sample.input)
    error = sample.error
    if error is not None and not isinstance(error, str):
        error = error.get("message", str(error)) if isinstance(error, dict) else error.message
    return SampleView(
        id=sample.id,
        epoch=sample.epoch,
        query=str(metadata.get("query") or prompt),
        prompt=prompt,
        output=output,
        scores={name: (_value(s.value), s.explanation, s.reason) for name, s in scores.items()},
        metadata={name: dict(s.metadata or {}) for name, s in scores.items()},
        error=error,
    )


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return "\n".join(_message_text(m) for m in value)


def _message_text(message: Any) -> str:
    if not isinstance(message, dict):
        return getattr(message, "text", str(message))
    content = message.get("content", "")
    if isinstance(content, str):
        return content
    return "\n".join(part.get("text", "") for part in content if isinstance(part, dict) and part.get("type") == "text")


def _value(value: Any) -> Any:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if value is None:
        return math.nan
    return value


# ---------------------------------------------------------------------------------------------------------------
# What a log says about its configuration


def judge_models(log: EvalLog, scores: pl.DataFrame | None = None) -> dict[str, str]:
    """The models (and checkpoints) behind the judges: role -> model id, ``<scorer>.checkpoint`` -> content identity.

    Read from the log's row of :func:`harness.logs.frames.runs_frame`. A role bound to several models (a model
    panel) lists them comma-separated. A checkpoint judge is known by what it is, never by its folder (every
    trainer saves to ``<output_dir>/model``): ``sha256:<identity>`` (:func:`checkpoint_identity`), so the same
    checkpoint under any folder name, on any machine, reads the same. A checkpoint whose log records no identity
    (a log from before identities were recorded) reads ``unidentified:<eval id>``: it matches no other run, since
    nothing shows it is the same judge.

    Args:
        log: The log (its header is enough when it records the identity there).
        scores: The log's sample scores frame (:attr:`LogRecord.scores`), read when the header lacks the identity.
    """
    run = runs_frame([log], scores).row(0, named=True)
    models = {role["role"]: role["model"] for role in run["roles"]}
    identities = {entry["scorer"]: entry["identity"] for entry in run["judge_identities"]}
    for spec in log.eval.scorers or []:
        if (spec.options or {}).get("checkpoint"):
            identity = identities.get(spec.name)
            models[f"{spec.name}.checkpoint"] = f"sha256:{identity}" if identity else f"unidentified:{run['eval_id']}"
    return dict(sorted(models.items()))


def checkpoint_identity(log: EvalLog, scorer: str, score_metadata: Iterable[Mapping[str, Any]] = ()) -> str | None:
    """The content identity a checkpoint judge recorded (:data:`harness.judge_names.RM_IDENTITY`), or None.

    Read from the scorer's header metadata first, else from its scores' metadata
    (:func:`harness.logs.frames.joined_identities`).

    Args:
        log: The log.
        scorer: The judge's scorer name.
        score_metadata: That scorer's metadata from each sample (empty dicts for samples it did not score).
    """
    return header_identities(log).get(scorer) or joined_identities(m.get(RM_IDENTITY) for m in score_metadata)


def principles_sha256(log: EvalLog) -> str | None:
    """The principles' content hash the task recorded (``metadata["principles_sha256"]``)."""
    return (log.eval.metadata or {}).get(PRINCIPLES_KEY)


def prompt_set_sha256(samples: Sequence[SampleView]) -> str:
    """SHA-256 over the (id, prompt) pairs a run answered: two runs compare only if they answered the same prompts."""
    digest = hashlib.sha256()
    for sample_id, prompt in sorted({(str(s.id), s.prompt) for s in samples}):
        digest.update(f"{len(sample_id)}:{sample_id}{len(prompt)}:{prompt}".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class RunConfig:
    """The configuration that decides whether two runs can be ranked together, and the judge set they report.

    Attributes:
        task: Registry name of the task.
        task_version: The task's version.
        prompt_set: Dataset name (``greetings-grpo-test``).
        prompt_set_sha256: Hash of the prompts answered (:func:`prompt_set_sha256`).
        prompt_count: Distinct prompts answered.
        judge_models: :func:`judge_models`.
        principles_sha256: The principles' content hash.
        judges: The judge columns (:func:`judge_names`).
    """

    task: str
    task_version: int | str
    prompt_set: str
    prompt_set_sha256: str
    prompt_count: int
    judge_models: dict[str, str]
    principles_sha256: str | None
    judges: tuple[str, ...]

    COMPARABILITY = ("task", "task_version", "prompt_set_sha256", "judge_models", "principles_sha256")
    """Fields that must be equal for two runs to be ranked together."""

    def comparability_key(self) -> tuple[Any, ...]:
        """The fields of :attr:`COMPARABILITY` as a hashable key."""
        return tuple(_hashable(getattr(self, name)) for name in self.COMPARABILITY)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "task": self.task,
            "task_version": self.task_version,
            "prompt_set": self.prompt_set,
            "prompt_set_sha256": self.prompt_set_sha256,
            "prompt_count": self.prompt_count,
            "judge_models": dict(self.judge_models),
            "principles_sha256": self.principles_sha256,
            "judges": list(self.judges),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunConfig:
        """Inverse of :meth:`as_dict`."""
        return cls(
            task=data["task"],
            task_version=data["task_version"],
            prompt_set=data["prompt_set"],
            prompt_set_sha256=data["prompt_set_sha256"],
            prompt_count=int(data["prompt_count"]),
            judge_models=dict(data["judge_models"]),
            principles_sha256=data.get("principles_sha256"),
            judges=tuple(data["judges"]),
        )


def _hashable(value: Any) -> Any:
    return tuple(sorted(value.items())) if isinstance(value, dict) else value


def run_config(record: LogRecord) -> RunConfig:
    """The configuration of a run, from its header and samples."""
    log = record.log
    metadata = log.eval.metadata or {}
    return RunConfig(
        task=log.eval.task,
        task_version=log.eval.task_version,
        prompt_set=str(metadata.get("prompt_set") or (log.eval.dataset.name if log.eval.dataset else "") or ""),
        prompt_set_sha256=prompt_set_sha256(record.samples),
        prompt_count=len({str(s.id) for s in record.samples}),
        judge_models=judge_models(log, record.scores),
        principles_sha256=principles_sha256(log),
        judges=tuple(judge_names(log)),
    )


_FIELD_LABELS = {
    "task": "task",
    "task_version": "task version",
    "prompt_set_sha256": "prompt set",
    "judge_models": "judge models",
    "principles_sha256": "principles",
    "judges": "judges",
}


def config_differences(
    expected: RunConfig, actual: RunConfig, fields: Sequence[str] | None = None, against: str = "expected"
) -> list[str]:
    """How ``actual`` differs from ``expected``, one phrase per differing field.

    Args:
        expected: The reference configuration.
        actual: The configuration to describe.
        fields: Fields to compare; default the comparability fields plus ``judges``.
        against: How to introduce the reference value in the phrase.

    Returns:
        Phrases like ``judge models: judge=mockllm/b (expected judge=mockllm/a)``; empty when equal.
    """
    differences = []
    for name in fields or (*RunConfig.COMPARABILITY, "judges"):
        want, got = getattr(expected, name), getattr(actual, name)
        if _hashable(want) == _hashable(got):
            continue
        if name == "prompt_set_sha256":
            got_text = f"{actual.prompt_set} ({actual.prompt_count} prompts, {got[:12]})"
            want_text = f"{expected.prompt_set} ({expected.prompt_count} prompts, {want[:12]})"
        else:
            got_text, want_text = _describe(got), _describe(want)
        differences.append(f"{_FIELD_LABELS[name]}: {got_text} ({against} {want_text})")
    return differences


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "none"
    if isinstance(value, tuple | list):
        return ", ".join(map(str, value)) or "none"
    if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value):
        return value[:12]
    return str(value)


# ---------------------------------------------------------------------------------------------------------------
# Checks


def check_finished(log: EvalLog) -> list[str]:
    """A log must have finished without error and hold results."""
    if log.status == "error":
        message = (log.error.message if log.error else "no message").strip().splitlines()
        return [f"errored: {message[0] if message else 'no message'}"]
    if log.status != "success":
        return [f"not finished (status '{log.status}')"]
    if log.results is None or not log.results.scores:
        return ["finished without results"]
    return []


def check_samples(record: LogRecord) -> list[str]:
    """Every sample must be present, error-free and scored by every scorer the header reports."""
    problems = []
    errored = [str(s.id) for s in record.samples if s.error]
    if errored:
        problems.append(f"{len(errored)} sample(s) errored ({', '.join(errored[:5])})")
    if not record.samples:
        problems.append("holds no samples")
    declared = record.log.eval.dataset.sample_ids if record.log.eval.dataset else None
    if declared is not None and record.samples:
        missing = {str(i) for i in declared} - {str(s.id) for s in record.samples}
        if missing:
            problems.append(f"{len(missing)} sample(s) of the run are missing from the log")
    return problems


def check_judges(log: EvalLog) -> list[str]:
    """A leaderboard log must report at least one judge (a scorer with an excellence rate)."""
    if not judge_names(log):
        return [f"reports no judge (no scorer with {EXCELLENCE}); task {log.eval.task} is not a leaderboard task"]
    return []


def judge_figures(scores: pl.DataFrame, judge: str) -> dict[str, float]:
    """A judge's figures recomputed from a log's sample scores frame: rate, 95% interval, scored and unscored counts.

    Epochs are reduced by the mean over the epochs that were scored (Inspect's default reducer); an unscored
    sample (null value) is never a bad one.
    """
    reduced = (
        scores.filter(pl.col("scorer") == judge)
        .group_by("sample_id")
        .agg(pl.col("value").mean())
        .select(
            scored=pl.col("value").count(),
            good=(pl.col("value") >= 0.5).sum(),
            samples=pl.len(),
        )
        .row(0, named=True)
    )
    scored, good = reduced["scored"], reduced["good"]
    low, high = wilson_interval(good, scored)
    return {
        **with_interval(EXCELLENCE, good / scored if scored else None, low, high),
        "scored": float(scored),
        "unscored": float(reduced["samples"] - scored),
    }


CREATIVITY_FIELDS = pl.Struct({"length": pl.Float64, "cliches": pl.Float64})
"""The per-sample fields of the creativity scorer's value that the board's creativity figures average."""


def creativity_figures(scores: pl.DataFrame) -> dict[str, float]:
    """The per-sample creativity figures recomputed from a log's sample scores frame (``mean_length``, clichés)."""
    fields = (
        scores.filter((pl.col("scorer") == CREATIVITY) & pl.col("value_json").is_not_null())
        .select(pl.col("value_json").str.json_decode(CREATIVITY_FIELDS))
        .unnest("value_json")
        .select(
            mean_length=pl.col("length").mean(),
            mean_cliches=pl.col("cliches").mean(),
            cliche_rate=(pl.col("cliches") > 0).mean(),
        )
        .row(0, named=True)
    )
    return {name: math.nan if value is None else float(value) for name, value in fields.items()}


def check_consistency(record: LogRecord) -> list[str]:
    """The header's results must be what the samples say: a log edited by hand (or by a script) fails here.

    Recomputes every judge's excellence rate, its interval and its scored/unscored counts, and the creativity
    means, from the sample scores; checks that every judge score carries the header's principles hash.
    """
    log = record.log
    if log.results is None:
        return []
    problems = []
    for score in log.results.scores:
        logged = {name: m.value for name, m in score.metrics.items()}
        if EXCELLENCE in logged:
            figures = judge_figures(record.scores, score.name)
            logged["scored"] = score.scored_samples if score.scored_samples is not None else figures["scored"]
            logged["unscored"] = score.unscored_samples or 0
            names = [EXCELLENCE, *interval_keys(EXCELLENCE), "scored", "unscored"]
        elif score.name == CREATIVITY:
            figures = creativity_figures(record.scores)
            names = [n for n in figures if n in logged]
        else:
            continue
        for name in names:
            if name in logged and not _close(float(logged[name]), figures[name]):
                problems.append(
                    f"{score.name} {name} in the header is {logged[name]!r} but the samples give {figures[name]!r}"
                )
    expected = principles_sha256(log)
    if expected:
        stray = (
            record.scores.filter(pl.col("principles_sha256").is_not_null() & (pl.col("principles_sha256") != expected))
            .select(pl.col("principles_sha256").str.slice(0, 12).unique().sort())
            .to_series()
            .to_list()
        )
        if stray:
            problems.append(f"sample scores carry principles {', '.join(stray)}, header says {expected[:12]}")
    return [f"inconsistent: {p}" for p in problems]


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def check_leaderboard_log(record: LogRecord) -> list[str]:
    """Every check a log passes to appear on a leaderboard: finished, samples intact, judges, consistency."""
    problems = check_finished(record.log)
    if problems:
        return problems
    return check_judges(record.log) + check_samples(record) + check_consistency(record)


# ---------------------------------------------------------------------------------------------------------------
# Secrets


SECRET_KEY = re.compile(
    r"(^|[_\-.])(api[_\-]?key|apikey|token|access[_\-]?token|secret|secret[_\-]?key|passw(or)?d|credentials?"
    r"|bearer|cookie|private[_\-]?key|auth|authorization|auth[_\-]?header)$",
    re.I,
)
"""Argument names whose values are never written out (``api_key``, ``hf_token``, ``client_secret``; not
``max_tokens``)."""

SECRET_PREFIX = re.compile(r"^(sk-|sk_|hf_|ghp_|gho_|ghs_|github_pat_|xox[abps]-|AKIA|ASIA|AIza|glpat-|Bearer\s)")
"""Prefixes of well-known key and token formats."""

MIN_ENTROPY_BITS = 4.2
"""Bits per character above which a long unbroken string of letters and digits is taken for a key (a random
base-62 key has about 5.7; hex digests at most 4; words and paths far less)."""


def looks_secret(text: str) -> bool:
    """True for a string shaped like a key or token: a known prefix, or 24+ unbroken characters mixing letters
    and digits with high entropy."""
    text = text.strip()
    if SECRET_PREFIX.search(text):
        return True
    if len(text) < 24 or not re.fullmatch(r"[A-Za-z0-9_\-+/=]+", text):
        return False
    if not (re.search(r"\d", text) and re.search(r"[A-Za-z]", text)):
        return False
    counts = Counter(text)
    entropy = -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())
    return entropy >= MIN_ENTROPY_BITS


REDACTED = "[redacted]"


def sanitize(value: Any) -> Any:
    """A copy of ``value`` fit to publish: secret-named keys dropped, secret-looking strings redacted,
    credentials and query strings removed from URLs."""
    if isinstance(value, Mapping):
        return {str(k): sanitize(v) for k, v in value.items() if not SECRET_KEY.search(str(k))}
    if isinstance(value, list | tuple):
        return [sanitize(v) for v in value]
    if isinstance(value, str):
        return _sanitize_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return _sanitize_text(str(value))


def _sanitize_text(text: str) -> str:
    if looks_secret(text):
        return REDACTED
    parsed = urlparse(text)
    if parsed.scheme in ("http", "https") and (parsed.username or parsed.password or parsed.query):
        host = parsed.hostname or ""
        port = f":{parsed.port}" if parsed.port else ""
        return parsed._replace(netloc=f"{host}{port}", query="").geturl()
    return text


def find_secrets(log: EvalLog) -> list[str]:
    """Where a log header records something that looks like a secret (model and role arguments, base URLs)."""
    places: dict[str, Any] = {"model_args": log.eval.model_args or {}, "model_base_url": log.eval.model_base_url}
    for role, config in (log.eval.model_roles or {}).items():
        for i, c in enumerate(config if isinstance(config, list) else [config]):
            places[f"model_roles.{role}[{i}].args"] = c.args or {}
            places[f"model_roles.{role}[{i}].base_url"] = c.base_url
    found = []
    for where, value in places.items():
        found += _secret_paths(value, where)
    return found


def _secret_paths(value: Any, where: str) -> list[str]:
    if isinstance(value, Mapping):
        found = []
        for key, item in value.items():
            path = f"{where}.{key}"
            if SECRET_KEY.search(str(key)) and item not in (None, "", {}, []):
                found.append(path)
            else:
                found += _secret_paths(item, path)
        return found
    if isinstance(value, list | tuple):
        return [p for i, item in enumerate(value) for p in _secret_paths(item, f"{where}[{i}]")]
    if isinstance(value, str) and value and sanitize(value) != value:
        return [where]
    return []
