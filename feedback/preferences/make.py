"""One preference run, start to end: requests -> k candidates each -> judged -> pairs -> pair file and report.

The paper's Path A data, made from any policy and any judge. Rerunning on the same run folder resumes: only what
the folder does not hold is sampled or judged, and pairing (cheap, no model) is redone from the records, so the
pairing options can change between runs without a single new call.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inspect_ai.model import Model

from feedback.preferences.judges import JudgeSettings, prepare_judge, settings_dict
from feedback.preferences.loop import RunSettings, collect
from feedback.preferences.models import LazyModel
from feedback.preferences.pair_file import write_pair_file
from feedback.preferences.pairing import PairingSettings, classify, make_pairs
from feedback.preferences.queries import load_queries
from feedback.preferences.report import preference_report, released_balance, report_markdown, run_cost
from feedback.preferences.run_folder import RunFolder, write_text_atomically
from feedback.preferences.sampling import SamplingSettings
from harness.data import DataFiles, load_preference_pairs, resolve_data_dir

PAIRS_FILE = "pairs.json"


def report_paths(pair_file: Path) -> tuple[Path, Path]:
    """Where a pair file's report goes: beside it, ``<stem>.report.json`` and ``<stem>.report.md``.

    One report per pair file, so that re-pairing a run into another file (``--out``) keeps every report.
    """
    base = pair_file.with_suffix("")
    return base.with_name(base.name + ".report.json"), base.with_name(base.name + ".report.md")


@dataclass(frozen=True)
class PreferenceRunConfig:
    """A preference run.

    Attributes:
        run_dir: The run folder (resumed when it exists).
        policy: The policy's Inspect model name (``embedded`` or any provider's).
        policy_args: The policy's ``get_model`` arguments (``model_path``, ...).
        sampling: How candidates are sampled.
        judge: Which judge, and its options.
        pairing: How judged candidates become pairs.
        queries: A query source (:data:`feedback.preferences.queries.QUERY_SOURCES`) or a file.
        limit: Requests to use (None: all).
        offset: Distinct requests to skip first.
        data_dir: The paper's data folder (default ``$GREETBENCH_DATA_DIR`` or a fetched copy).
        out: The pair file; default ``<run_dir>/pairs.json``.
        concurrency: Requests sampled, and greetings judged, at once.
        retries: Further attempts after a model call raises.
    """

    run_dir: Path
    policy: str = "embedded"
    policy_args: dict[str, str] = field(default_factory=dict)
    sampling: SamplingSettings = field(default_factory=SamplingSettings)
    judge: JudgeSettings = field(default_factory=JudgeSettings)
    pairing: PairingSettings = field(default_factory=PairingSettings)
    queries: str = "random"
    limit: int | None = 50
    offset: int = 0
    data_dir: str | None = None
    out: Path | None = None
    concurrency: int = 8
    retries: int = 1

    @property
    def pair_path(self) -> Path:
        """Where the pairs go."""
        return self.out if self.out is not None else self.run_dir / PAIRS_FILE


@dataclass(frozen=True)
class PreferenceRunResult:
    """What a run left.

    Attributes:
        pair_file: The pairs (``[]`` when there are none).
        report: Every figure (also in ``<pair file stem>.report.json``, :func:`report_paths`).
        report_md: ``<pair file stem>.report.md``.
    """

    pair_file: Path
    report: dict[str, Any]
    report_md: Path


def _released(data_dir: str | None) -> dict[str, Any] | None:
    """The released RM-train pairs' length balance, when the paper's data is at hand (else None)."""
    root = resolve_data_dir(data_dir)
    if root is None or not DataFiles(root).rm_train.is_file():
        return None
    return released_balance(load_preference_pairs(DataFiles(root).rm_train))


def make_preference_pairs(
    config: PreferenceRunConfig,
    *,
    policy_model: Model | None = None,
    judge_model: Model | None = None,
    log: Callable[[str], None] | None = None,
) -> PreferenceRunResult:
    """Run (or resume) a preference run and write its pair file and report.

    Edge cases: a request whose calls failed is left for the next run (the report counts it); no pairs (e.g. a judge
    that calls everything good) writes ``[]`` and says why in ``report["no_pairs"]``.

    Args:
        config: The run.
        policy_model: The policy, made already (tests; default made from ``config.policy``).
        judge_model: The LLM judge's model, made already (default made from ``config.judge.model``).
        log: Progress printer; default silent.

    Returns:
        The pair file and the report.

    Raises:
        ValueError: Bad settings, a judge that cannot be prepared, or no requests (one line).
        DataError: A query file or the paper's data is malformed.
        RunFolderError: The run folder was made with other settings, or is damaged.
    """
    log = log or (lambda _: None)
    queries, query_provenance = load_queries(config.queries, config.data_dir, config.limit, config.offset)
    if not queries:
        raise ValueError(f"no requests in {config.queries!r} (offset {config.offset}, limit {config.limit})")
    policy = LazyModel(config.policy, config.policy_args, policy_model)
    settings = RunSettings(
        policy=policy.name, policy_args={k: str(v) for k, v in config.policy_args.items()}, sampling=config.sampling
    )
    RunFolder.open(config.run_dir, settings.to_dict())  # refuse another run's folder before anything loads
    shared = policy if judge_model is None and _same_model(config) else judge_model
    judge = prepare_judge(config.judge, config.data_dir, shared)
    log(f"{len(queries)} requests x k={config.sampling.k}; policy {settings.policy}; judge {judge.key}")
    collected = asyncio.run(
        collect(
            config.run_dir,
            queries,
            policy.get,
            settings,
            judge,
            concurrency=config.concurrency,
            retries=config.retries,
            log=log,
        )
    )
    judged = classify(queries, collected.samples, collected.judgements, judge.key, config.pairing)
    pairing = make_pairs(judged, config.pairing)
    pair_file = write_pair_file(
        config.pair_path,
        pairing.pairs,
        judge_key=judge.key,
        judge_name=judge.name,
        policy=settings.policy,
        pairing=config.pairing,
    )
    cost = run_cost(RunFolder(config.run_dir).sessions(), judge.key, collected.judgements)
    report = preference_report(
        pairing, config.pairing, collected, cost, requests=len(queries), released=_released(config.data_dir)
    )
    report = {
        "run_dir": str(config.run_dir),
        "pair_file": str(pair_file),
        "queries": query_provenance,
        "run": settings.to_dict(),
        "judge": {"key": judge.key, **judge.identity},
        "judge_settings": settings_dict(config.judge),
        **report,
    }
    report_json, report_md = report_paths(pair_file)
    write_text_atomically(report_json, json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    title = f"Preference pairs: {config.run_dir.name} ({pair_file.name})"
    write_text_atomically(report_md, report_markdown(report, title))
    return PreferenceRunResult(pair_file, report, report_md)


def _same_model(config: PreferenceRunConfig) -> bool:
    """Whether the judge's model is the policy's (one model object serves both)."""
    from harness.models import resolve_model_name

    return (
        config.judge.name in ("principle", "debate")
        and resolve_model_name(config.judge.model) == resolve_model_name(config.policy)
        and config.judge.model_args == config.policy_args
    )
