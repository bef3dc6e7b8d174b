"""``length_controlled: true`` on an ``rm`` or ``judge`` reward: the reward less its dev-fit regression on length.

Every offline judge here is mostly a length detector, and GRPO on such a reward learns length. A length-controlled
reward pays only for what the judge says beyond length: the reward's least-squares fit ``a + b log(1 + chars)``
on labelled dev rows (the eval set's dev split, a seeded sample of :data:`LENGTH_FIT_ROWS`) is subtracted from
each completion's reward. A reward model whose checkpoint has a length head (``greetbench fit-rm-threshold
--length-head``) already gives the length-free part, so nothing more is fitted for it.

The fit is made once, before the policy loads, and cached by the reward's identity in
``~/.cache/greetbench/length-fits/`` (a judge's fit costs one call per row); the run summary records it.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

LENGTH_FIT_ROWS = 200
"""Dev rows the regression is fitted on."""

LENGTH_FIT_SEED = 0
"""Seed of the sample of dev rows."""


@dataclass(frozen=True)
class LengthFit:
    """A reward's regression on ``log(1 + chars)`` and what it was fitted on.

    Attributes:
        intercept: ``a``.
        slope: ``b``, per unit of log(1 + chars).
        rows: Rows the fit used (scored ones).
        correlation: Pearson correlation of the reward with log length on those rows (before control).
        source: Where the fit comes from, in words.
    """

    intercept: float
    slope: float
    rows: int
    correlation: float | None
    source: str

    def part(self, text: str) -> float:
        """The length part of a reward for ``text``."""
        from harness.judges.reward_model.threshold import log_length

        return self.intercept + self.slope * log_length(text)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return asdict(self)


def fit_on_dev(
    score: Callable[[list[tuple[str, str]]], Sequence[float | None]],
    data_dir: Path,
    identity: dict[str, Any],
    rows: int = LENGTH_FIT_ROWS,
    cache_dir: Path | None = None,
) -> LengthFit:
    """Fit a reward on dev rows (or read the cached fit of the same identity and rows).

    Args:
        score: The reward over (request, greeting) pairs, None where unscored.
        data_dir: The paper's data folder (its eval set's dev split).
        identity: What makes the reward this reward (model or checkpoint hash, principles, mode): the cache key.
        rows: Dev rows sampled (all when there are fewer).
        cache_dir: Where fits are kept; default ``<greetbench cache>/length-fits``.

    Raises:
        ValueError: Fewer than two scored rows, or all of one length: no slope to fit.
    """
    from harness.data import DataFiles, load_eval_set, split_eval_set

    dev = split_eval_set(load_eval_set(DataFiles(data_dir).eval_set)).dev
    picked = sorted(random.Random(LENGTH_FIT_SEED).sample(range(len(dev)), min(rows, len(dev))))
    pairs = [(dev[i].query, dev[i].response) for i in picked]
    key = hashlib.sha256(json.dumps({**identity, "pairs": pairs}, sort_keys=True).encode()).hexdigest()[:20]
    path = (cache_dir or _cache_dir()) / f"{key}.json"
    if path.is_file():
        return LengthFit(**json.loads(path.read_text(encoding="utf-8")))
    from harness.judges.reward_model.threshold import fit_length_model, log_length

    values = list(score(pairs))
    kept = [(text, v) for (_, text), v in zip(pairs, values, strict=True) if v is not None and math.isfinite(v)]
    try:  # the RM length head's own fit: least squares on log(1 + chars)
        line = fit_length_model([v for _, v in kept], [text for text, _ in kept])
    except ValueError:
        raise ValueError(
            f"length control needs scored dev rows of two lengths; {len(kept)} of {len(pairs)} scored"
        ) from None
    x, y = [log_length(text) for text, _ in kept], [v for _, v in kept]
    correlation = statistics.correlation(x, y) if len(set(y)) > 1 else None
    intercept, slope = line["intercept"], line["slope"]
    fit = LengthFit(intercept, slope, len(kept), correlation, f"dev split, {len(kept)} of {len(pairs)} sampled rows")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(fit.to_dict()) + "\n", encoding="utf-8")
    return fit


def minus_length(values: Sequence[float | None], texts: Sequence[str], fit: LengthFit) -> list[float | None]:
    """Each reward less its length part (None stays None)."""
    return [None if v is None else v - fit.part(t) for v, t in zip(values, texts, strict=True)]


def prepare_length_control(rewards: Sequence[Any], data_dir: Path | None, log: Callable[[str], None]) -> None:
    """Fit every reward that asks for length control (``spec.length_controlled``) and has no fit yet.

    Each such reward has ``length_identity()``, ``dev_scores(pairs)`` and a ``length_fit`` attribute; one whose
    checkpoint already removes length (an RM length head) says so through ``length_identity()`` returning None.

    Raises:
        ValueError: A reward asks for length control and no data folder is given.
    """
    for reward in rewards:
        if not getattr(getattr(reward, "spec", None), "length_controlled", False) or reward.length_fit is not None:
            continue
        identity = reward.length_identity()
        if identity is None:
            log(f"length control of {reward.__name__}: the checkpoint's length head already removes length")
            continue
        if data_dir is None:
            raise ValueError(
                f"reward {reward.__name__!r}: length_controlled needs the paper's dev split: set GREETBENCH_DATA_DIR"
            )
        reward.length_fit = fit_on_dev(reward.dev_scores, data_dir, identity)
        fit = reward.length_fit
        shown = "n/a" if fit.correlation is None else f"{fit.correlation:+.3f}"
        log(
            f"length control of {reward.__name__}: reward = raw - ({fit.intercept:.4f} + {fit.slope:.4f} "
            f"log(1 + chars)), fitted on {fit.source}; correlation with log length before control {shown}"
        )


def _cache_dir() -> Path:
    from harness.paths import cache_dir

    return cache_dir("length-fits")
