"""The resumable loop: sample k candidates per request, then judge every distinct candidate, each step recorded in
the run folder as it finishes (:mod:`.run_folder`).

Two phases, each over only what the folder does not hold yet: first every request's candidates (one record per
request, written when its k candidates are back), then every distinct (request, greeting) the judge has not judged
(one record each). A candidate is judged as its stripped text, once per request however often the policy wrote it;
an empty one is never sent to the judge (pairing leaves it out). A call that raises is retried ``retries`` times,
then counted as failed and left for the next run; the loop goes on with the rest.

A judge output that cannot be read is a finished judgement with ``verdict: null`` and ``malformed: true``: it is
recorded (with the raw output in its trace), counted, and never used as a verdict; a rerun does not ask again
(judges decode greedily, so the answer would be the same).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from inspect_ai.model import Model

from feedback.preferences.judges import PreferenceJudge, judge_calls
from feedback.preferences.queries import Query
from feedback.preferences.run_folder import RunFolder
from feedback.preferences.sampling import Candidate, SamplingSettings, sample_candidates
from harness.data.checks import match_key
from harness.hashing import sha256_hex

T = TypeVar("T")

Log = Callable[[str], None]

TRACE_ID_CHARS = 16
"""Hex digits of a judgement's trace id."""

PROGRESS_EVERY_S = 30.0
"""Seconds between progress lines of a long phase."""


def trace_id(judge_key: str, query: str, response: str) -> str:
    """The id of one judge's judgement of one (request, greeting): a digest of the three, compared stripped.

    The same greeting for the same request by the same judge always has the same id, in any run folder: the id
    a pair's provenance names is found in ``judgements/<judge key>.jsonl``.
    """
    payload = json.dumps([judge_key, match_key(query), match_key(response)], ensure_ascii=False)
    return sha256_hex(payload)[:TRACE_ID_CHARS]


@dataclass(frozen=True)
class RunSettings:
    """What a run's samples depend on: the folder's identity (``run.json``).

    Attributes:
        policy: The policy's Inspect model name.
        policy_args: Its ``get_model`` arguments (as strings).
        sampling: How candidates are sampled.
    """

    policy: str
    policy_args: dict[str, str]
    sampling: SamplingSettings

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; what ``run.json`` holds."""
        return {"policy": self.policy, "policy_args": dict(sorted(self.policy_args.items())), **self.sampling.to_dict()}


@dataclass
class PhaseCounts:
    """What one phase of this session did.

    Attributes:
        todo: Items the folder did not hold at the start (requests to sample, greetings to judge).
        done: Items finished and recorded by this session.
        reused: Items the folder already held (from an earlier session).
        failed: Items whose calls all raised (left for the next run).
        calls: Model calls made for the finished items (policy: k per request; judge: see :func:`judge_calls`).
        seconds: Wall time of the phase.
        errors: The first few errors, as ``<type>: <message>``.
    """

    todo: int = 0
    done: int = 0
    reused: int = 0
    failed: int = 0
    calls: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {k: getattr(self, k) for k in ("todo", "done", "reused", "failed", "calls", "seconds", "errors")}


ERRORS_KEPT = 5


@dataclass
class Collected:
    """What the folder holds for this run's requests, and what this session did.

    Attributes:
        samples: Query id -> its candidates, for the run's requests that are sampled.
        judgements: Trace id -> judgement record, for the run's distinct non-empty candidates that are judged.
        sampling: This session's sampling phase.
        judging: This session's judging phase.
        repaired: Files whose torn last line was cut off on opening.
    """

    samples: dict[str, list[Candidate]]
    judgements: dict[str, dict[str, Any]]
    sampling: PhaseCounts
    judging: PhaseCounts
    repaired: dict[str, int]


async def _with_retries(call: Callable[[], Awaitable[T]], retries: int) -> T:
    """Run ``call``; on an exception run it again, at most ``retries`` more times; re-raise the last error."""
    for attempt in range(retries + 1):
        try:
            return await call()
        except Exception:
            if attempt == retries:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


class _Progress:
    """Prints ``<phase>: n/total`` at most every :data:`PROGRESS_EVERY_S` seconds, and at the end."""

    def __init__(self, log: Log, phase: str, total: int) -> None:
        self.log, self.phase, self.total = log, phase, total
        self.count, self.last = 0, time.monotonic()

    def step(self) -> None:
        self.count += 1
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY_S or self.count == self.total:
            self.last = now
            self.log(f"{self.phase}: {self.count}/{self.total}")


async def _sample_phase(
    folder: RunFolder,
    queries: list[Query],
    policy: Callable[[], Model],
    settings: RunSettings,
    concurrency: int,
    retries: int,
    log: Log,
) -> tuple[dict[str, list[Candidate]], PhaseCounts]:
    held = folder.samples()
    todo = [query for query in queries if query.id not in held]
    counts = PhaseCounts(todo=len(todo), reused=len(queries) - len(todo))
    gate = asyncio.Semaphore(concurrency)
    progress = _Progress(log, "sampled", len(todo))
    started = time.monotonic()

    async def one(query: Query) -> None:
        async with gate:
            try:
                candidates = await _with_retries(
                    lambda: sample_candidates(policy(), query.text, settings.sampling), retries
                )
            except Exception as err:  # noqa: BLE001 (counted, reported, and left for the next run)
                counts.failed += 1
                if len(counts.errors) < ERRORS_KEPT:
                    counts.errors.append(f"{type(err).__name__}: {err}")
                return
            record = {
                "query_id": query.id,
                "query": query.text,
                "policy": settings.policy,
                "candidates": [c.to_dict() for c in candidates],
            }
            folder.add_samples(record)
            held[query.id] = record
            counts.done += 1
            counts.calls += len(candidates)
            progress.step()

    await asyncio.gather(*(one(query) for query in todo))
    counts.seconds = round(time.monotonic() - started, 3)
    samples = {q.id: [Candidate.from_dict(c) for c in held[q.id]["candidates"]] for q in queries if q.id in held}
    return samples, counts


def distinct_texts(candidates: list[Candidate]) -> list[str]:
    """The distinct non-empty stripped texts among ``candidates``, in first-seen order."""
    return list(dict.fromkeys(match_key(c.text) for c in candidates if match_key(c.text)))


async def _judge_phase(
    folder: RunFolder,
    queries: list[Query],
    samples: dict[str, list[Candidate]],
    judge: PreferenceJudge,
    concurrency: int,
    retries: int,
    log: Log,
) -> tuple[dict[str, dict[str, Any]], PhaseCounts]:
    folder.write_judge_identity(judge.key, judge.identity)
    held = folder.judgements(judge.key)
    wanted = {
        trace_id(judge.key, query.text, text): (query, text)
        for query in queries
        for text in distinct_texts(samples.get(query.id, []))
    }
    todo = [(tid, *item) for tid, item in wanted.items() if tid not in held]
    counts = PhaseCounts(todo=len(todo), reused=len(wanted) - len(todo))
    gate = asyncio.Semaphore(concurrency)
    progress = _Progress(log, "judged", len(todo))
    started = time.monotonic()

    async def one(tid: str, query: Query, text: str) -> None:
        async with gate:
            began = time.monotonic()
            try:
                judgement = await _with_retries(lambda: judge.judge(query.text, text), retries)
            except Exception as err:  # noqa: BLE001 (counted, reported, and left for the next run)
                counts.failed += 1
                if len(counts.errors) < ERRORS_KEPT:
                    counts.errors.append(f"{type(err).__name__}: {err}")
                return
            calls = judge_calls(judgement)
            record = {
                "trace_id": tid,
                "judge": judge.key,
                "query_id": query.id,
                "query": query.text,
                "response": text,
                "verdict": judgement.verdict,
                "malformed": judgement.verdict is None,
                "p_good": judgement.p_good,
                "p_good_missing_reason": judgement.p_good_missing_reason,
                "reason": judgement.reason,
                "calls": calls,
                "seconds": round(time.monotonic() - began, 3),
                "trace": list(judgement.trace),
            }
            folder.add_judgement(judge.key, record)
            held[tid] = record
            counts.done += 1
            counts.calls += calls
            progress.step()

    await asyncio.gather(*(one(*item) for item in todo))
    counts.seconds = round(time.monotonic() - started, 3)
    return {tid: held[tid] for tid in wanted if tid in held}, counts


async def collect(
    run_dir: str | Path,
    queries: list[Query],
    policy: Callable[[], Model],
    settings: RunSettings,
    judge: PreferenceJudge,
    *,
    concurrency: int = 8,
    retries: int = 1,
    log: Log | None = None,
) -> Collected:
    """Sample and judge what the run folder does not hold yet for ``queries``; return everything it holds for them.

    Args:
        run_dir: The run folder (created if missing; refused if made with other ``settings``).
        queries: The requests.
        policy: Gives the policy model (called only when there is something to sample: see
            :class:`feedback.preferences.models.LazyModel`).
        settings: The run's identity (policy name, sampling settings).
        judge: The judge.
        concurrency: Requests sampled, and greetings judged, at once.
        retries: Further attempts after a call raises.
        log: Progress printer; default silent.

    Returns:
        The samples and judgements for ``queries``, and this session's counts (also appended to
        ``sessions.jsonl``).

    Raises:
        RunFolderError: The folder was made with other settings, or is damaged.
    """
    log = log or (lambda _: None)
    if concurrency < 1 or retries < 0:
        raise ValueError(f"concurrency must be >= 1 and retries >= 0; got {concurrency}, {retries}")
    folder = RunFolder.open(run_dir, settings.to_dict())
    for path, removed in folder.repaired.items():
        log(f"cut a torn last line ({removed} bytes) off {path}: that step runs again")
    samples, sampling = await _sample_phase(folder, queries, policy, settings, concurrency, retries, log)
    folder.add_session({"phase": "sample", "finished_at": time.time(), **sampling.to_dict()})
    judgements, judging = await _judge_phase(folder, queries, samples, judge, concurrency, retries, log)
    folder.add_session({"phase": "judge", "judge": judge.key, "finished_at": time.time(), **judging.to_dict()})
    return Collected(samples, judgements, sampling, judging, folder.repaired)
