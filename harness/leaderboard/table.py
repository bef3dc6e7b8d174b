"""Tabulating checked logs with polars: one row per model and configuration, comparability groups, ranks, and the
null-model sanity check.

Runs are ranked together only when they share task, task version, prompt set, judge models and principles
(:attr:`RunConfig.COMPARABILITY`). The largest such group is the main table; every other group is listed apart,
ranked within itself, with the reason it cannot join the main table. Within a group a model appears once: when
several logs ran the same model with the same arguments, the newest one counts and the others are listed as
superseded.

A null model (``null/empty``, ``null/constant``, ``null/echo``) writes no greeting worth the name, so every judge
must rank it below every real model. When one outranks a real model under some judge, that judge is broken: the
leaderboard says so in :attr:`Leaderboard.sanity`, and the CLI says so loudly.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import polars as pl

from harness.creativity import CREATIVITY_FIGURES
from harness.interval_keys import interval_keys
from harness.judge_names import BASELINE_SCORERS, PANEL
from harness.leaderboard.length_control import LC_SUFFIX, add_length_controlled_columns
from harness.leaderboard.logs import (
    CREATIVITY,
    EXCELLENCE,
    LogRecord,
    RunConfig,
    SampleView,
    config_differences,
    run_config,
    sanitize,
)
from harness.logs.frames import scorer_metrics_frame
from harness.models.null import NULL_MODELS
from harness.models.provider import EMBEDDED_MODEL
from harness.slug import slug

CREATIVITY_COLUMNS = CREATIVITY_FIGURES

PROVENANCE_PACKAGES = ("inspect-ai", "greetbench", "torch", "transformers", "polars")
"""Packages whose versions a leaderboard records about the environment that built it."""

KINDS = ("submission", "reference", "null")
"""Row kinds: a model under test, the embedded default, a null model."""


@dataclass(frozen=True)
class Group:
    """Runs that can be ranked together.

    Attributes:
        id: ``main``, then ``g2``, ``g3``, ...
        config: The shared configuration (its ``judges`` is the union over the group's runs).
        primary: Whether this is the main table.
        reason: For the other groups, why they are not in the main table.
        ranked_by: The judge whose excellence rate orders the group (None when it reports none).
    """

    id: str
    config: RunConfig
    primary: bool
    reason: str | None
    ranked_by: str | None

    @property
    def judges(self) -> tuple[str, ...]:
        """The group's judge columns."""
        return self.config.judges


@dataclass(frozen=True)
class Leaderboard:
    """A tabulated leaderboard, ready to render.

    Attributes:
        benchmark: Its name (``greetings``).
        table: One row per (group, model, model arguments); see :func:`tabulate` for the columns.
        groups: The groups, main table first.
        cards: Group id -> judge -> reliability card file, for the judges that have one.
        sanity: Null-model violations: ``{group, judge, baseline, null_model, null_rate, model, rate, message}``.
        ties: Null models tied with a real model under a judge that reads meaning:
            ``{group, judge, null_model, null_rate, model, rate, message}``.
        unchecked: Groups without a null model (their judges' sanity could not be checked).
        excluded: ``{log, reason}`` for every log that was not tabulated.
        superseded: ``{log, sha256, model, group, by}`` for logs replaced by a newer run of the same model.
        logs: Provenance of every log read (name, sha256, model, task, created, status, packages, revision).
        packages: Versions of the packages that built the leaderboard.
        samples: Row id -> the samples of the run behind that row.
        log_paths: Log sha256 -> file, for every ranked or superseded log (not written out: paths are local).
    """

    benchmark: str
    table: pl.DataFrame
    groups: list[Group]
    cards: dict[str, dict[str, Path]]
    sanity: list[dict[str, Any]]
    ties: list[dict[str, Any]]
    unchecked: list[str]
    excluded: list[dict[str, str]]
    superseded: list[dict[str, str]]
    logs: list[dict[str, Any]]
    packages: dict[str, str | None]
    samples: dict[str, list[SampleView]] = field(repr=False)
    log_paths: dict[str, Path] = field(default_factory=dict, repr=False)

    def group_rows(self, group: Group) -> pl.DataFrame:
        """The rows of one group, in rank order."""
        return self.table.filter(pl.col("group") == group.id)

    @property
    def main(self) -> Group | None:
        """The main table's group."""
        return self.groups[0] if self.groups else None


def model_kind(model: str) -> str:
    """``null`` for the null models, ``reference`` for the embedded default, else ``submission``."""
    if model in NULL_MODELS:
        return "null"
    if model == EMBEDDED_MODEL:
        return "reference"
    return "submission"


def package_versions(names: Sequence[str] = PROVENANCE_PACKAGES) -> dict[str, str | None]:
    """Installed versions by distribution name (None when not installed); nothing is imported."""
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def find_cards(cards_dir: str | Path | None, judges: Sequence[str], judge_model: str | None = None) -> dict[str, Path]:
    """Reliability cards present for ``judges`` (as ``greetbench judge-report`` names them).

    For each judge, in order of preference: ``<judge>-<traits>.md`` whose traits name ``judge_model`` (the report
    adds the judge model to the name when it has cards for several), ``<judge>.md``, ``<short name>.md``
    (``principle.md`` for ``principle_judge``). ``cards_dir`` may be the cards folder or the report folder
    holding ``cards/``.
    """
    if cards_dir is None:
        return {}
    root = Path(cards_dir)
    folder = root / "cards" if (root / "cards").is_dir() else root
    model_slug = slug(judge_model) if judge_model else None
    cards = {}
    for judge in judges:
        candidates = []
        if model_slug:
            candidates += sorted(
                (p for p in folder.glob(f"{judge}-*.md") if model_slug in p.stem), key=lambda p: (len(p.name), p.name)
            )
        candidates += [folder / f"{judge}.md", folder / f"{judge.removesuffix('_judge')}.md"]
        found = next((p for p in candidates if p.is_file()), None)
        if found is not None:
            cards[judge] = found
    return cards


def default_rank_judge(judges: Sequence[str]) -> str | None:
    """The judge a group is ranked by: the panel when there is one, else the first judge that reads meaning."""
    if PANEL in judges:
        return PANEL
    return next((j for j in judges if j not in BASELINE_SCORERS), judges[0] if judges else None)


def tabulate(
    records: Sequence[LogRecord],
    benchmark: str,
    excluded: Sequence[dict[str, str]] = (),
    cards_dir: str | Path | None = None,
    rank_by: str | None = None,
    sources: dict[str, str] | None = None,
) -> Leaderboard:
    """Tabulate checked logs.

    Args:
        records: Logs that passed :func:`harness.leaderboard.logs.check_leaderboard_log`.
        benchmark: The leaderboard's name.
        excluded: Logs already refused, ``{log, reason}``; carried into the result.
        cards_dir: Folder of judge reliability cards (see :func:`find_cards`).
        rank_by: Judge to rank by, or ``<judge>_lc`` for its length-controlled rate
            (:mod:`harness.leaderboard.length_control`); default :func:`default_rank_judge` of each group. A group
            without that judge falls back to its default.
        sources: Log sha256 -> where it came from (``registry``, ``argument``), for provenance.

    Returns:
        The leaderboard. Its table has the columns ``group``, ``row``, ``rank``, ``model``, ``kind``, ``model_args``
        and ``generate_config`` (JSON, secrets removed), ``log``, ``log_sha256``, ``created``, ``samples``,
        ``epochs``; per judge ``<judge>`` (excellence rate), ``<judge>_ci_low``, ``<judge>_ci_high``,
        ``<judge>_scored``, ``<judge>_unscored``, the length-controlled rate ``<judge>_lc`` with
        ``<judge>_lc_ci_low`` and ``<judge>_lc_ci_high`` (not for null models), and any other metric as
        ``<judge>_<metric>`` (``panel_member_agreement``); and the creativity metrics.
    """
    sources = sources or {}
    configs = [run_config(r) for r in records]
    rows, samples = [], {}
    for index, (record, config) in enumerate(zip(records, configs, strict=True)):
        row = _row(record, config)
        row["_index"] = index
        rows.append(row)
        samples[str(index)] = record.samples

    # Comparability groups: the largest (then the newest) is the main table.
    by_key: dict[tuple[Any, ...], list[int]] = {}
    for index, config in enumerate(configs):
        by_key.setdefault(config.comparability_key(), []).append(index)
    superseded: list[dict[str, str]] = []
    kept: dict[tuple[Any, ...], list[int]] = {}
    for key, members in by_key.items():
        kept[key] = _latest_per_model(members, rows, superseded)
    order = sorted(kept, key=lambda k: max(rows[i]["created"] for i in kept[k]), reverse=True)
    order.sort(key=lambda k: len(kept[k]), reverse=True)  # stable: among equal sizes the newest comes first
    groups: list[Group] = []
    for number, key in enumerate(order, start=1):
        members = kept[key]
        judges = _union(configs[i].judges for i in members)
        config = _with_judges(configs[members[0]], judges)
        group_id = "main" if number == 1 else f"g{number}"
        reason = None
        if number > 1:
            diffs = config_differences(groups[0].config, config, fields=RunConfig.COMPARABILITY, against="main table:")
            reason = "not comparable with the main table: " + "; ".join(diffs)
        ranked_by = rank_by if rank_by in judges or _lc_judge(rank_by) in judges else default_rank_judge(judges)
        groups.append(Group(group_id, config, number == 1, reason, ranked_by))
        for i in members:
            rows[i]["group"] = group_id
    for entry in superseded:
        entry["group"] = rows[entry.pop("_by")]["group"]

    kept_rows = [r for r in rows if "group" in r]
    records_samples = {i: record.samples for i, record in enumerate(records)}
    for group in groups:
        members = [r for r in kept_rows if r["group"] == group.id]
        nulls = {r["_index"] for r in members if r["kind"] == "null"}
        add_length_controlled_columns(members, records_samples, group.judges, nulls)
    table = _frame(kept_rows, groups)
    table, row_ids = _rank(table, groups)
    samples = {row_ids[int(k)]: v for k, v in samples.items() if int(k) in row_ids}

    cards = {g.id: find_cards(cards_dir, g.judges, g.config.judge_models.get("judge")) for g in groups}
    sanity, ties, unchecked = null_model_sanity(table, groups)
    logs = _provenance(records, configs, table, superseded, excluded, sources)
    return Leaderboard(
        benchmark=benchmark,
        table=table,
        groups=groups,
        cards=cards,
        sanity=sanity,
        ties=ties,
        unchecked=unchecked,
        excluded=list(excluded),
        superseded=superseded,
        logs=logs,
        packages=package_versions(),
        samples=samples,
        log_paths={r.sha256: r.path for r in records},
    )


def _lc_judge(rank_by: str | None) -> str | None:
    """The judge of a length-controlled ranking key (``principle_judge_lc`` -> ``principle_judge``), else None."""
    if rank_by and rank_by.endswith(LC_SUFFIX):
        return rank_by.removesuffix(LC_SUFFIX)
    return None


def _row(record: LogRecord, config: RunConfig) -> dict[str, Any]:
    log = record.log
    row: dict[str, Any] = {
        "model": log.eval.model,
        "kind": model_kind(log.eval.model),
        "model_args": _json(log.eval.model_args or {}),
        "generate_config": _json(generate_config(log)),
        "log": record.name,
        "log_sha256": record.sha256,
        "created": log.eval.created,
        "samples": config.prompt_count,
        "epochs": (log.eval.config.epochs or 1) if log.eval.config else 1,
    }
    scorers = scorer_metrics_frame([log]).group_by("scorer", maintain_order=True)
    for (scorer,), rows in scorers:
        metrics = {r["metric"]: r["value"] for r in rows.iter_rows(named=True) if r["metric"] is not None}
        if EXCELLENCE in metrics:
            row[scorer] = metrics.pop(EXCELLENCE)
            for column, key in zip(interval_keys(scorer), interval_keys(EXCELLENCE), strict=True):
                row[column] = metrics.pop(key, None)
            row[f"{scorer}_scored"] = rows["scored"][0]
            row[f"{scorer}_unscored"] = rows["unscored"][0]
            for name, value in metrics.items():
                row[f"{scorer}_{name}"] = value
        elif scorer == CREATIVITY:
            row.update(metrics)
    return row


def generate_config(log: Any) -> dict[str, Any]:
    """The generation settings a run used (task, eval and model level merged; unset ones left out)."""
    merged: dict[str, Any] = {}
    for config in (log.plan.config if log.plan else None, log.eval.model_generate_config):
        if config is not None:
            merged.update(config.model_dump(exclude_none=True))
    return merged


def _json(value: Any) -> str:
    return json.dumps(sanitize(value), ensure_ascii=False, sort_keys=True)


def _latest_per_model(members: list[int], rows: list[dict[str, Any]], superseded: list[dict[str, str]]) -> list[int]:
    def recency(i: int) -> tuple[str, str]:
        return rows[i]["created"], rows[i]["log"]

    best: dict[tuple[str, str, str], int] = {}
    for i in members:
        key = _model_key(rows[i])
        if key not in best or recency(i) > recency(best[key]):
            best[key] = i
    winners = set(best.values())
    for i in members:
        if i not in winners:
            by = best[_model_key(rows[i])]
            superseded.append(
                {
                    "log": rows[i]["log"],
                    "sha256": rows[i]["log_sha256"],
                    "model": rows[i]["model"],
                    "by": rows[by]["log"],
                    "_by": by,
                }
            )
    return [i for i in members if i in winners]


def _model_key(row: dict[str, Any]) -> tuple[str, str, str]:
    """A model and its configuration: one row each per group."""
    return row["model"], row["model_args"], row["generate_config"]


def _union(lists: Any) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for names in lists:
        for name in names:
            seen.setdefault(name, None)
    return tuple(seen)


def _with_judges(config: RunConfig, judges: tuple[str, ...]) -> RunConfig:
    data = config.as_dict()
    data["judges"] = list(judges)
    return RunConfig.from_dict(data)


def _frame(rows: list[dict[str, Any]], groups: list[Group]) -> pl.DataFrame:
    judges = _union(g.judges for g in groups)
    columns: dict[str, pl.DataType] = {
        "group": pl.String(),
        "_index": pl.Int64(),
        "model": pl.String(),
        "kind": pl.String(),
        "model_args": pl.String(),
        "generate_config": pl.String(),
        "log": pl.String(),
        "log_sha256": pl.String(),
        "created": pl.String(),
        "samples": pl.Int64(),
        "epochs": pl.Int64(),
    }
    for judge in judges:
        columns[judge] = pl.Float64()
        columns |= dict.fromkeys(interval_keys(judge), pl.Float64())
        columns[f"{judge}_scored"] = pl.Int64()
        columns[f"{judge}_unscored"] = pl.Int64()
    extra = sorted({k for r in rows for k in r} - set(columns) - set(CREATIVITY_COLUMNS))
    for name in extra:
        columns[name] = pl.Float64()
    present = {k for r in rows for k in r}
    for name in CREATIVITY_COLUMNS:
        if name in present:
            columns[name] = pl.Float64()
    data = {name: [_cell(r.get(name), dtype) for r in rows] for name, dtype in columns.items()}
    return pl.DataFrame(data, schema=columns)


def _cell(value: Any, dtype: pl.DataType) -> Any:
    if value is None:
        return None
    if isinstance(dtype, pl.Float64):
        value = float(value)
        return None if math.isnan(value) else value
    return value


def _rank(table: pl.DataFrame, groups: list[Group]) -> tuple[pl.DataFrame, dict[int, str]]:
    """Rank each group by its judge (ties share the better rank; a run its judge never scored has no rank)."""
    order = {g.id: n for n, g in enumerate(groups)}
    by = {g.id: g.ranked_by for g in groups}
    score = pl.lit(None, dtype=pl.Float64)
    for group_id, judge in by.items():
        if judge is not None:
            score = pl.when(pl.col("group") == group_id).then(pl.col(judge)).otherwise(score)
    table = (
        table.with_columns(_score=score, _order=pl.col("group").replace_strict(order, return_dtype=pl.Int64))
        .with_columns(rank=pl.col("_score").rank("min", descending=True).over("group").cast(pl.Int64))
        .sort(["_order", "rank", "model", "log"], nulls_last=True)
        .with_columns(row=pl.format("r{}", pl.int_range(1, pl.len() + 1)))
    )
    row_ids = dict(zip(table["_index"].to_list(), table["row"].to_list(), strict=True))
    front = ["group", "row", "rank"]
    return table.select([*front, *(c for c in table.columns if c not in front and not c.startswith("_"))]), row_ids


def null_model_sanity(
    table: pl.DataFrame, groups: list[Group]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """Where a null model is not ranked below every real model of its group.

    Returns:
        (violations: every (judge, null model, real model) where the null model has the higher excellence rate;
        ties: the same where the rates are equal, for the judges that read meaning (a baseline such as the constant
        judge ties everything by design); ids of the groups without both a null model and a real model, whose
        judges could not be checked).
    """
    violations, ties, unchecked = [], [], []
    for group in groups:
        rows = table.filter(pl.col("group") == group.id)
        nulls, reals = rows.filter(pl.col("kind") == "null"), rows.filter(pl.col("kind") != "null")
        if nulls.is_empty() or reals.is_empty():
            unchecked.append(group.id)
            continue
        for judge in group.judges:
            baseline = judge in BASELINE_SCORERS
            pairs = (
                nulls.select(null_model="model", null_rate=judge)
                .join(reals.select("model", rate=judge), how="cross")
                .filter(pl.col("null_rate") >= pl.col("rate"))
                .sort(["null_model", "rate", "model"], descending=[False, True, False])
            )
            for pair in pairs.iter_rows(named=True):
                if pair["null_rate"] > pair["rate"]:
                    message = (
                        f"under {judge}{' (a baseline judge)' if baseline else ''}, null model {pair['null_model']} "
                        f"({pair['null_rate']:.3f}) outranks {pair['model']} ({pair['rate']:.3f}): "
                        "this judge is broken"
                    )
                    violations.append(
                        {"group": group.id, "judge": judge, "baseline": baseline, **pair, "message": message}
                    )
                elif not baseline:
                    message = (
                        f"under {judge}, null model {pair['null_model']} ties with {pair['model']} ({pair['rate']:.3f})"
                    )
                    ties.append({"group": group.id, "judge": judge, **pair, "message": message})
    return violations, ties, unchecked


def _provenance(
    records: Sequence[LogRecord],
    configs: Sequence[RunConfig],
    table: pl.DataFrame,
    superseded: list[dict[str, str]],
    excluded: Sequence[dict[str, str]],
    sources: dict[str, str],
) -> list[dict[str, Any]]:
    ranked = set(table["log_sha256"].to_list())
    replaced = {s["sha256"] for s in superseded}
    logs = []
    for record, config in zip(records, configs, strict=True):
        revision = record.log.eval.revision
        logs.append(
            {
                "log": record.name,
                "sha256": record.sha256,
                "source": sources.get(record.sha256, "argument"),
                "status": "ranked" if record.sha256 in ranked else ("superseded" if record.sha256 in replaced else ""),
                "model": record.log.eval.model,
                "task": config.task,
                "task_version": config.task_version,
                "created": record.log.eval.created,
                "judge_models": dict(config.judge_models),
                "principles_sha256": config.principles_sha256,
                "packages": dict(record.log.eval.packages or {}),
                "revision": {"commit": revision.commit, "dirty": revision.dirty} if revision else None,
            }
        )
    for entry in excluded:
        logs.append({"log": entry["log"], "sha256": entry.get("sha256"), "status": "excluded"})
    return logs
