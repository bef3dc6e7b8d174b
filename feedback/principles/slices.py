"""The rows an optimizer may see: train and validation slices of the dev split, and the test rows of the report.

As GEPA does: reflection reads only the train slice, candidate rule sets are chosen on the validation slice, and
the before/after report is on the test split, which the loop never reads. The dev split (harness.data's query-hash
split) is cut into train and validation by query, so no request has rows on both sides.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.data import DataFiles, LabelledGreeting, load_eval_set, split_eval_set
from harness.data.split import query_position
from harness.hashing import sha256_hex

SLICE_SEED = "greetbench-optimize-v1"
"""Seed of the train/validation cut of the dev split (by query)."""


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

        return {"train": side(self.train), "val": side(self.val), "test": side(self.test), "digest": self.digest}


def optimization_slices(data_dir: Path, rows: int, test_rows: int, seed: int = 0) -> Slices:
    """Cut the eval set into train, validation and test rows.

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
    train_side = [row for row in split.dev if query_position(row.query, SLICE_SEED) < 0.5]
    val_side = [row for row in split.dev if query_position(row.query, SLICE_SEED) >= 0.5]
    rng = random.Random(seed)
    train = _sample(train_side, rows // 2, rng)
    val = _sample(val_side, rows - rows // 2, rng)
    test = _sample(list(split.test), test_rows or len(split.test), rng)
    lines = {name: [row.line for row in side] for name, side in (("train", train), ("val", val), ("test", test))}
    digest = sha256_hex(json.dumps(lines, separators=(",", ":")))
    return Slices(train, val, test, digest)


def _sample(rows: list[LabelledGreeting], n: int, rng: random.Random) -> tuple[LabelledGreeting, ...]:
    """``n`` rows drawn without replacement, in file order (all of them when there are fewer)."""
    picked = rng.sample(rows, min(n, len(rows)))
    return tuple(sorted(picked, key=lambda row: row.line))
