"""The reward-model reward: a sequence-classification checkpoint scores each (request, greeting).

Scored through the RM judge's own core, :class:`harness.judges.RewardModel` (:meth:`~RewardModel.score_pairs`):
the same conversation (:func:`harness.judges.reward_model.reward_conversation`: the bare request as the user
turn), the same chat template and the same tokens as RM training and the ``rm`` judge, with greeting text never
turned into special tokens. The reward is the raw model output, optionally standardised over the batch (mean 0,
std 1 over the batch's finite rewards: useful when mixing it with terms of another scale; GRPO itself normalises
advantages per group). A non-finite output is None (no reward), never a number.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainers.rewards.base import RewardSpec, log_metrics
from trainers.rewards.length_control import minus_length
from trainers.rewards.texts import batch_queries, completion_text

PREPARED_CHECKPOINT = "prepared"
"""``checkpoint: prepared`` is the prepared embedded RM judge (``greetbench train prepare-rm``)."""

STANDARDIZE_EPS = 1e-6
"""Added to the batch's std when standardising, so a batch of equal rewards gives zeros, not NaN."""


@dataclass
class RmRewardSpec(RewardSpec):
    """``{kind: rm}``.

    Attributes:
        checkpoint: A one-label sequence-classification checkpoint folder (``greetbench train rm`` leaves one in
            ``<output_dir>/model``), or ``prepared`` for the prepared embedded RM judge.
        standardize: Standardise the rewards of each batch (mean 0, std 1).
        batch_size: Pairs per forward pass.
        device: ``cpu``, ``cuda``, ``cuda:N``; default CUDA when available.
        dtype: ``float32``, ``bfloat16``, ``float16``; default the checkpoint's own.
        length_controlled: Subtract the reward's dev-fit regression on log length
            (:mod:`trainers.rewards.length_control`); a checkpoint with a length head already does.
    """

    checkpoint: str = ""
    standardize: bool = False
    batch_size: int = 16
    device: str | None = None
    dtype: str | None = None
    length_controlled: bool = False

    def __post_init__(self) -> None:
        """Check values that no type can express."""
        if not self.checkpoint.strip():
            raise ValueError("checkpoint must name a reward-model folder (or 'prepared')")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {self.batch_size}")


def resolve_rm_checkpoint(checkpoint: str) -> Path:
    """The checkpoint folder of an RM reward, checked to hold a model (cheap: no torch).

    Raises:
        ValueError: ``prepared`` but the prepared judge is not there (the message gives the command that prepares
            it), or a folder without ``config.json``.
    """
    if checkpoint.strip() == PREPARED_CHECKPOINT:
        from trainers.prepared_rm import PREPARE_COMMAND, prepared_rm_checkpoint, prepared_rm_dir

        folder = prepared_rm_checkpoint()
        if folder is None:
            raise ValueError(f"the prepared RM judge is not in {prepared_rm_dir()}; run `{PREPARE_COMMAND}` first")
        return folder
    path = Path(checkpoint).expanduser()
    if not (path / "config.json").is_file():
        raise ValueError(f"no reward-model checkpoint at {checkpoint} (no config.json)")
    return path.resolve()


def standardized(values: Sequence[float | None]) -> list[float | None]:
    """``(v - mean) / (std + eps)`` over the finite values (population std); None and non-finite stay None."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return [None] * len(values)
    mean = statistics.fmean(finite)
    std = statistics.pstdev(finite) if len(finite) > 1 else 0.0
    return [None if v is None or not math.isfinite(v) else (v - mean) / (std + STANDARDIZE_EPS) for v in values]


class RmReward:
    """TRL reward callable of an :class:`RmRewardSpec` (sync; the model loads on first call, cached per process)."""

    def __init__(self, spec: RmRewardSpec, name: str = "rm") -> None:
        """Score with ``spec``'s checkpoint (resolved now: a missing one fails here); logged as ``name``."""
        self.spec = spec
        self.checkpoint = resolve_rm_checkpoint(spec.checkpoint)
        self.__name__ = name
        self.length_fit: Any = None  # set by trainers.rewards.length_control.prepare_length_control

    def length_identity(self) -> dict[str, Any] | None:
        """What the length fit is cached under: the checkpoint's identity; None when its length head removes it."""
        from harness.judges.reward_model import read_threshold, reward_model_identity

        stored = read_threshold(self.checkpoint)
        if stored is not None and stored.length_model:
            return None
        return {"kind": "rm", **reward_model_identity(self.checkpoint).metadata()}

    def dev_scores(self, pairs: list[tuple[str, str]]) -> list[float | None]:
        """Raw rewards of labelled pairs, for the length fit."""
        return [v if math.isfinite(v) else None for v in self.model.rewards(pairs, self.spec.batch_size)]

    @property
    def model(self) -> Any:
        """The :class:`harness.judges.RewardModel` (loaded once per process, shared with the ``rm`` judge)."""
        from harness.judges.reward_model import RewardModel

        return RewardModel.load(self.checkpoint, device=self.spec.device, dtype=self.spec.dtype)

    def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
        """Raw (or length-controlled, or standardised) rewards; logs ``rm/<name>/raw_mean`` (after length control),
        ``.../truncated`` and ``.../non_finite``."""
        pairs = list(zip(batch_queries(prompts, kwargs.get("query")), map(completion_text, completions), strict=True))
        if not pairs:
            return []
        results = self.model.score_pairs(pairs, self.spec.batch_size)
        raw: list[float | None] = [r.reward if math.isfinite(r.reward) else None for r in results]
        if self.length_fit is not None:
            raw = minus_length(raw, [text for _, text in pairs], self.length_fit)
        finite = [v for v in raw if v is not None]
        log_metrics(
            kwargs,
            {
                f"rm/{self.__name__}/raw_mean": statistics.fmean(finite) if finite else math.nan,
                f"rm/{self.__name__}/truncated": sum(r.truncated for r in results),
                f"rm/{self.__name__}/non_finite": len(raw) - len(finite),
            },
        )
        return standardized(raw) if self.spec.standardize else raw
