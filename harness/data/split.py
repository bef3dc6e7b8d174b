"""A deterministic dev/test split of the evaluation set that never puts one query on both sides."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.data.checks import match_key
from harness.data.loaders import LabelledGreeting
from harness.hashing import sha256_hex

#: The default share of queries assigned to dev.
DEFAULT_DEV_FRACTION = 0.3

#: The default seed; changing it reshuffles every query.
DEFAULT_SEED = "greetbench-v1"

#: Bits of the SHA-256 used to place a query on [0, 1).
_HASH_BITS = 64

#: How the split is made, recorded in provenance.
SPLIT_METHOD = "sha256(seed + NUL + query.strip()) first 64 bits / 2**64 < dev_fraction -> dev"


@dataclass(frozen=True)
class EvalSplit:
    """The evaluation set cut into dev and test.

    Attributes:
        dev: Rows on the dev side, in input order.
        test: Rows on the test side, in input order.
        seed: The seed used.
        dev_fraction: The target share of queries on the dev side.
        digest: SHA-256 (hex) of the sorted line numbers on each side, for logs.
    """

    dev: tuple[LabelledGreeting, ...]
    test: tuple[LabelledGreeting, ...]
    seed: str
    dev_fraction: float
    digest: str

    def to_dict(self) -> dict[str, Any]:
        """Return the split's provenance (no rows): method, seed, fraction, digest, and row/query/label counts."""

        def side(rows: tuple[LabelledGreeting, ...]) -> dict[str, int]:
            return {
                "rows": len(rows),
                "queries": len({match_key(row.query) for row in rows}),
                "good": sum(row.label == 1 for row in rows),
                "bad": sum(row.label == 0 for row in rows),
            }

        return {
            "method": SPLIT_METHOD,
            "seed": self.seed,
            "dev_fraction": self.dev_fraction,
            "digest": self.digest,
            "dev": side(self.dev),
            "test": side(self.test),
        }


def query_position(query: str, seed: str = DEFAULT_SEED) -> float:
    """Place a query on [0, 1) by SHA-256 of ``seed``, a NUL byte and ``query.strip()``."""
    material = f"{seed}\0{match_key(query)}".encode()
    value = int.from_bytes(hashlib.sha256(material).digest()[: _HASH_BITS // 8], "big")
    return value / 2**_HASH_BITS


def split_digest(dev_lines: Sequence[int], test_lines: Sequence[int]) -> str:
    """Return the SHA-256 (hex) of ``{"dev": sorted lines, "test": sorted lines}`` as compact JSON."""
    canonical = json.dumps({"dev": sorted(dev_lines), "test": sorted(test_lines)}, separators=(",", ":"))
    return sha256_hex(canonical)


def split_eval_set(
    rows: Sequence[LabelledGreeting],
    dev_fraction: float = DEFAULT_DEV_FRACTION,
    seed: str = DEFAULT_SEED,
) -> EvalSplit:
    """Split evaluation rows into dev and test by query, deterministically.

    Each query goes to dev when ``query_position(query, seed) < dev_fraction``, so all rows of a query land on the
    same side, a query's side never depends on the other rows (adding rows moves no existing query), and the same
    rows, seed and fraction always give the same split. The fraction is met in expectation over queries, not
    exactly; rows per query vary, so the row share varies a little more. ``0`` puts everything in test, ``1``
    everything in dev.

    Args:
        rows: Evaluation rows (line numbers should be unique for the digest to identify the split).
        dev_fraction: Target share of queries on the dev side, in [0, 1].
        seed: Any string; a different seed gives an independent split.

    Returns:
        The split, with its digest.

    Raises:
        ValueError: ``dev_fraction`` is outside [0, 1].
    """
    if not 0.0 <= dev_fraction <= 1.0:
        raise ValueError(f"dev_fraction must be in [0, 1], got {dev_fraction}")
    dev, test = [], []
    for row in rows:
        (dev if query_position(row.query, seed) < dev_fraction else test).append(row)
    digest = split_digest([row.line for row in dev], [row.line for row in test])
    return EvalSplit(tuple(dev), tuple(test), seed, dev_fraction, digest)
