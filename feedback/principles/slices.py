"""The rows an optimizer may see: train and validation slices of the dev split, and the test rows of the report.

As GEPA does: reflection reads only the train slice, candidate rule sets are chosen on the validation slice, and
the before/after report is on the test split, which the loop never reads.

The dev split (harness.data's query-hash split) is cut into train and validation by query, so no request has rows
on both sides, and stratified by label as far as whole queries allow (:func:`cut_by_query`): the queries are
grouped by the labels of their rows (good only, bad only, both), and within each group, in the order of
``query_position(query, SLICE_SEED)``, they are dealt alternately to validation and train, validation first. Each
side so holds about half of each group, and a label that has a single query in the dev split goes to validation,
where candidates are compared by balanced accuracy, which needs both labels. Each side is then sampled to its size
with the labels in its own proportions, at least one row of each label where the size allows
(:func:`stratified_sample`). A label missing from the whole dev split cannot be made up: the validation slice then
has one label, and no candidate can replace the rules (:mod:`feedback.principles.selection`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.data import DataFiles, LabelledGreeting, load_eval_set, split_eval_set
from harness.data.checks import match_key
from harness.data.split import query_position
from harness.hashing import sha256_hex

SLICE_SEED = "greetbench-optimize-v1"
"""Seed of the train/validation cut of the dev split (by query)."""

SLICE_METHOD = (
    "dev queries grouped by their rows' labels (good only, bad only, both); within a group, in order of "
    "sha256(seed + NUL + query), dealt alternately to validation and train (validation first); each side sampled "
    "with its labels in proportion, at least one row of each label where the size allows"
)
"""How the train/validation cut is made, recorded in the run's config."""


@dataclass(frozen=True)
class Slices:
    """The three row sets of one optimization run.

    Attributes:
        train: Rows the Reflector and the Generator's requests come from.
        val: Rows candidates are chosen on.
        test: Rows of the before/after report (the test split; never seen by the loop).
        digest: SHA-256 over the three sets' line numbers.
    """

    train: tuple[LabelledGreeting, ...]
    val: tuple[LabelledGreeting, ...]
    test: tuple[LabelledGreeting, ...]
    digest: str

    def to_dict(self) -> dict[str, Any]:
        """Sizes, good counts and the digest, for the run's config and report."""

        def side(rows: tuple[LabelledGreeting, ...]) -> dict[str, int]:
            return {"rows": len(rows), "good": sum(row.label for row in rows)}

        return {
            "method": SLICE_METHOD,
            "train": side(self.train),
            "val": side(self.val),
            "test": side(self.test),
            "digest": self.digest,
        }


def optimization_slices(data_dir: Path, rows: int, test_rows: int, seed: int = 0) -> Slices:
    """Cut the eval set into train, validation and test rows.

    Train and validation are cut from the dev split by :func:`cut_by_query` and sampled by
    :func:`stratified_sample`; the test rows are a plain sample of the test split (the report's rows should look
    like the split they stand for).

    Args:
        data_dir: The paper's data folder.
        rows: Train plus validation rows (half each, rounded down for train); fewer when the dev split is small.
        test_rows: Test rows in the report (0: the whole test split).
        seed: Seed of the row samples (the same seed and sizes always give the same rows).

    Raises:
        ValueError: ``rows`` below 2 or ``test_rows`` negative.
    """
    if rows < 2 or test_rows < 0:
        raise ValueError(f"rows must be at least 2 and test_rows at least 0, got rows={rows}, test_rows={test_rows}")
    split = split_eval_set(load_eval_set(DataFiles(data_dir).eval_set))
    train_side, val_side = cut_by_query(split.dev)
    rng = random.Random(seed)
    train = stratified_sample(train_side, rows // 2, rng)
    val = stratified_sample(val_side, rows - rows // 2, rng)
    test = _sample(list(split.test), test_rows or len(split.test), rng)
    lines = {name: [row.line for row in side] for name, side in (("train", train), ("val", val), ("test", test))}
    digest = sha256_hex(json.dumps(lines, separators=(",", ":")))
    return Slices(train, val, test, digest)


def cut_by_query(
    rows: Sequence[LabelledGreeting], seed: str = SLICE_SEED
) -> tuple[list[LabelledGreeting], list[LabelledGreeting]]:
    """(train side, validation side) of ``rows``: whole queries on each side, label groups dealt alternately.

    Queries (``match_key``) are grouped by the set of their rows' labels; within each group, sorted by
    ``query_position(query, seed)``, the first, third, ... go to validation and the second, fourth, ... to train.
    Each side keeps the rows' input order.

    Edge cases: a group with an odd number of queries gives validation the extra one (a label with one query is on
    validation only); no rows gives two empty sides.
    """
    groups: dict[str, list[LabelledGreeting]] = {}
    for row in rows:
        groups.setdefault(match_key(row.query), []).append(row)
    by_labels: dict[tuple[int, ...], list[str]] = {}
    for query, members in groups.items():
        by_labels.setdefault(tuple(sorted({row.label for row in members})), []).append(query)
    to_val = set()
    for queries in by_labels.values():
        to_val.update(sorted(queries, key=lambda q: (query_position(q, seed), q))[0::2])
    train = [row for row in rows if match_key(row.query) not in to_val]
    val = [row for row in rows if match_key(row.query) in to_val]
    return train, val


def label_quotas(counts: Mapping[int, int], n: int) -> dict[int, int]:
    """Rows of each label in a sample of ``n``: in proportion to ``counts``, at least one of each where ``n`` allows.

    Proportional by largest remainder (ties to the lower label); a label that would get none takes one from the
    label with the most when ``n`` is at least the number of labels.

    Edge cases: ``n`` at or above the total gives every row; a label with no rows gets none.
    """
    counts = {label: count for label, count in counts.items() if count > 0}
    total = sum(counts.values())
    if n >= total:
        return dict(counts)
    quotas = {label: n * count // total for label, count in counts.items()}
    by_remainder = sorted(counts, key=lambda label: (-(n * counts[label] % total), label))
    for label in by_remainder[: n - sum(quotas.values())]:
        quotas[label] += 1
    if n >= len(counts):
        for label in sorted(counts):
            if quotas[label] == 0:
                donor = max(sorted(quotas), key=lambda other: quotas[other])
                quotas[donor] -= 1
                quotas[label] = 1
    return quotas


def stratified_sample(rows: Sequence[LabelledGreeting], n: int, rng: random.Random) -> tuple[LabelledGreeting, ...]:
    """``n`` rows drawn without replacement, labels in :func:`label_quotas`, in file order (all when fewer).

    The same rows, ``n`` and generator state always give the same sample.
    """
    quotas = label_quotas({label: sum(row.label == label for row in rows) for label in (0, 1)}, n)
    picked: list[LabelledGreeting] = []
    for label in sorted(quotas):
        picked += rng.sample([row for row in rows if row.label == label], quotas[label])
    return tuple(sorted(picked, key=lambda row: row.line))


def _sample(rows: list[LabelledGreeting], n: int, rng: random.Random) -> tuple[LabelledGreeting, ...]:
    """``n`` rows drawn without replacement, in file order (all of them when there are fewer)."""
    picked = rng.sample(rows, min(n, len(rows)))
    return tuple(sorted(picked, key=lambda row: row.line))
