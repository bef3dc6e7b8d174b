"""Validate a whole data folder and summarise what it holds: counts, duplicates, conflicts, contamination, length."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.data.checks import (
    DuplicateGroup,
    LabelConflicts,
    LengthBaseline,
    find_duplicates,
    find_label_conflicts,
    length_baseline,
    match_key,
)
from harness.data.contamination import SOURCES, TRAINING_SOURCES, VERBATIM_KINDS, index_contamination
from harness.data.loaders import (
    PreferencePair,
    load_eval_set,
    load_grpo_requests,
    load_preference_pairs,
    load_random_queries,
    load_sft_examples,
)
from harness.data.sources import RANDOM_QUERIES_RELPATH, UPSTREAM_FILES, DataFiles
from harness.hashing import sha256_file

#: At most this many duplicate groups or conflicts are listed in the markdown (all are in ``to_dict``).
MARKDOWN_LIST_LIMIT = 20


@dataclass(frozen=True)
class FileFacts:
    """One file of the data folder.

    Attributes:
        relpath: Its path below the data root.
        records: Records (rows, pairs, examples, requests, or query lines) loaded.
        sha256: Its SHA-256 (hex).
        matches_upstream: Whether that is the pinned upstream hash.
    """

    relpath: str
    records: int
    sha256: str
    matches_upstream: bool


@dataclass(frozen=True)
class PairFacts:
    """Facts about one reward-model file.

    Attributes:
        pairs: Pairs loaded.
        identical_sides: Pairs whose chosen and rejected are equal after ``strip()``.
        chosen_longer_share: Share of pairs whose chosen has more characters than rejected.
    """

    pairs: int
    identical_sides: int
    chosen_longer_share: float | None


@dataclass(frozen=True)
class DataReport:
    """Everything ``check_data_dir`` found.

    Attributes:
        root: The data folder.
        files: One entry per upstream file, in ``UPSTREAM_FILES`` order.
        good_rows: Evaluation rows labelled 1.
        bad_rows: Evaluation rows labelled 0.
        eval_queries: Distinct evaluation queries (stripped).
        duplicates: Repeated (query, response, label) rows.
        conflicts: (query, response) pairs and queries with both labels.
        contamination: ``ContaminationIndex.summary()``.
        contamination_digest: ``ContaminationIndex.digest()``.
        length: The length-only baseline on the evaluation set.
        reward_pairs: ``"rm_train"`` / ``"rm_test"`` -> PairFacts.
        sft_in_rm_train_chosen: SFT (instruction, output) pairs that are RM-train (prompt, chosen) pairs.
        random_distinct: Distinct queries in ``random_query.txt``.
    """

    root: Path
    files: tuple[FileFacts, ...]
    good_rows: int
    bad_rows: int
    eval_queries: int
    duplicates: tuple[DuplicateGroup, ...]
    conflicts: LabelConflicts
    contamination: dict[str, Any]
    contamination_digest: str
    length: LengthBaseline
    reward_pairs: dict[str, PairFacts]
    sft_in_rm_train_chosen: int
    random_distinct: int

    def count(self, relpath: str) -> int:
        """Return the records loaded from ``relpath``."""
        return next(facts.records for facts in self.files if facts.relpath == relpath)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data (lists for tuples, strings for paths)."""
        data = asdict(self)
        data["root"] = str(self.root)
        return data

    def to_markdown(self) -> str:
        """Render the report as a markdown document (lists capped at ``MARKDOWN_LIST_LIMIT`` entries)."""
        lines = [f"# Data check: `{self.root}`", "", "## Files", ""]
        lines += ["| file | records | upstream SHA-256 |", "| --- | ---: | --- |"]
        for facts in self.files:
            mark = "matches" if facts.matches_upstream else f"differs (`{facts.sha256[:12]}…`)"
            lines.append(f"| `{facts.relpath}` | {facts.records:,} | {mark} |")
        lines += ["", "## Evaluation set", ""]
        lines.append(
            f"- rows: {self.good_rows + self.bad_rows:,} ({self.good_rows:,} good / {self.bad_rows:,} bad); "
            f"distinct queries: {self.eval_queries:,}"
        )
        extra = sum(group.extra_rows for group in self.duplicates)
        lines.append(f"- duplicate rows: {len(self.duplicates)} groups, {extra} extra rows")
        lines += [f"  - lines {_lines(group.lines)}: `{group.query}`" for group in self._cap(self.duplicates)]
        lines.append(f"- (query, response) pairs with both labels: {len(self.conflicts.pairs)}")
        lines += [
            f"  - good {_lines(c.good_lines)} / bad {_lines(c.bad_lines)}: `{c.query}`"
            for c in self._cap(self.conflicts.pairs)
        ]
        lines.append(f"- queries with both labels: {len(self.conflicts.queries)}")
        lines += [
            f"  - good {_lines(c.good_lines)} / bad {_lines(c.bad_lines)}: `{c.query}`"
            for c in self._cap(self.conflicts.queries)
        ]
        lines += ["", "## Length-only baseline", ""]
        length = self.length
        lines.append(
            f"- mean response length: good {_num(length.good_mean_chars, 1)} chars, "
            f"bad {_num(length.bad_mean_chars, 1)} chars"
        )
        lines.append(
            f'- "good iff >= {length.threshold} chars": accuracy {_num(length.accuracy, 4)}, '
            f"kappa {_num(length.kappa, 3)}, AUC of length {_num(length.auc, 3)}"
        )
        lines += ["", "## Contamination", ""]
        summary = self.contamination
        lines.append(f"Match rule: {summary['match']}. Training sources: {', '.join(summary['training_sources'])}.")
        lines += ["", "| source | eval queries | eval rows |", "| --- | ---: | ---: |"]
        for name in SOURCES:
            mark = " (training)" if name in TRAINING_SOURCES else ""
            lines.append(
                f"| {name}{mark} | {summary['queries_per_source'][name]:,} | {summary['rows_per_source'][name]:,} |"
            )
        lines.append(
            f"| any training source | {summary['contaminated_queries']:,} | {summary['contaminated_rows']:,} |"
        )
        lines.append(f"| any source | {summary['queries_in_any_source']:,} | {summary['rows_in_any_source']:,} |")
        lines.append("")
        for kind in VERBATIM_KINDS:
            counts = summary["verbatim"][kind]
            lines.append(
                f"- eval (query, response) = {kind.replace('_', '-', 1).replace('_', ' ')} pair: "
                f"{counts['rows']:,} rows ({counts['good']:,} good, {counts['bad']:,} bad)"
            )
        lines.append(f"- index digest: `{self.contamination_digest}`")
        lines += ["", "## Training data", ""]
        for name, facts in self.reward_pairs.items():
            lines.append(
                f"- {name}: {facts.pairs:,} pairs; chosen longer in {_pct(facts.chosen_longer_share)}; "
                f"identical sides: {facts.identical_sides}"
            )
        lines.append(f"- SFT examples that are RM-train (prompt, chosen) pairs: {self.sft_in_rm_train_chosen:,}")
        lines.append(
            f"- random queries: {self.count(RANDOM_QUERIES_RELPATH):,} lines, {self.random_distinct:,} distinct"
        )
        return "\n".join(lines) + "\n"

    @staticmethod
    def _cap(items: tuple[Any, ...]) -> tuple[Any, ...]:
        return items[:MARKDOWN_LIST_LIMIT]


def check_data_dir(files: DataFiles) -> DataReport:
    """Load and validate every file of a data folder and summarise it.

    Args:
        files: The data folder (every file of ``UPSTREAM_FILES`` must be there).

    Returns:
        The report. Duplicates and conflicts are reported, never dropped.

    Raises:
        DataError: The first missing, unreadable or malformed file or record.
    """
    eval_rows = load_eval_set(files.eval_set)
    sft = load_sft_examples(files.sft)
    rm_train = load_preference_pairs(files.rm_train)
    rm_test = load_preference_pairs(files.rm_test)
    grpo_train = load_grpo_requests(files.grpo_train)
    grpo_test = load_grpo_requests(files.grpo_test)
    random_queries = load_random_queries(files.random_queries)
    index = index_contamination(
        eval_rows, sft=sft, rm_train=rm_train, rm_test=rm_test, grpo_train=grpo_train, grpo_test=grpo_test
    )
    counts = {
        files.eval_set: len(eval_rows),
        files.sft: len(sft),
        files.rm_train: len(rm_train),
        files.rm_test: len(rm_test),
        files.grpo_train: len(grpo_train),
        files.grpo_test: len(grpo_test),
        files.random_queries: len(random_queries),
    }
    file_facts = []
    for relpath, pinned in UPSTREAM_FILES.items():
        path = files.root / relpath
        digest = sha256_file(path)
        file_facts.append(FileFacts(relpath, counts[path], digest, digest == pinned))
    chosen = index.rm_train_pairs["rm_train_chosen"]
    return DataReport(
        root=files.root,
        files=tuple(file_facts),
        good_rows=sum(row.label == 1 for row in eval_rows),
        bad_rows=sum(row.label == 0 for row in eval_rows),
        eval_queries=len({match_key(row.query) for row in eval_rows}),
        duplicates=tuple(find_duplicates(eval_rows)),
        conflicts=find_label_conflicts(eval_rows),
        contamination=index.summary(),
        contamination_digest=index.digest(),
        length=length_baseline(eval_rows),
        reward_pairs={"rm_train": _pair_facts(rm_train), "rm_test": _pair_facts(rm_test)},
        sft_in_rm_train_chosen=sum(
            (match_key(example.instruction), match_key(example.output)) in chosen for example in sft
        ),
        random_distinct=len(set(random_queries)),
    )


def _pair_facts(pairs: list[PreferencePair]) -> PairFacts:
    return PairFacts(
        pairs=len(pairs),
        identical_sides=sum(match_key(p.chosen) == match_key(p.rejected) for p in pairs),
        chosen_longer_share=sum(len(p.chosen) > len(p.rejected) for p in pairs) / len(pairs) if pairs else None,
    )


def _lines(lines: tuple[int, ...]) -> str:
    return ", ".join(str(line) for line in lines)


def _num(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"
