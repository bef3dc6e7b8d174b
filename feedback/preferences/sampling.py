"""Sampling k candidate greetings for one request from a policy (any Inspect model).

The policy sees the paper's policy prompt (``请只生成一条祝福语：<request>``), as in greeting_generation and GRPO.
Each candidate gets its own seed, derived from the run's seed, the request and the candidate's number: one seed
for all k would make a seeded provider write the same greeting k times. ``seed=None`` sends no seed (a provider
may then batch the k calls, as the embedded one does; the candidates are no longer reproducible).
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from typing import Any

from inspect_ai.model import ChatMessageUser, GenerateConfig, Model, ModelOutput

from harness.data import policy_prompt
from harness.hashing import sha256_hex

MAX_TOKENS_STOP = "max_tokens"
"""Inspect's stop reason for an output cut at ``max_tokens``."""


@dataclass(frozen=True)
class SamplingSettings:
    """How candidates are sampled; part of a run folder's identity (a resumed run must sample the same way).

    Attributes:
        k: Candidates per request.
        temperature: Sampling temperature; None leaves the provider's default.
        top_p: Nucleus mass; None leaves the provider's default.
        max_tokens: Most new tokens per candidate (a candidate cut there is flagged ``truncated``).
        seed: Run seed (each candidate's is derived from it, :func:`candidate_seed`); None sends no seed.
    """

    k: int = 4
    temperature: float | None = 1.0
    top_p: float | None = None
    max_tokens: int = 128
    seed: int | None = 42

    def __post_init__(self) -> None:
        """Check values that no type can express."""
        if self.k < 2:
            raise ValueError(f"k must be at least 2 (a pair needs two candidates), got {self.k}")
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, got {self.max_tokens}")
        if self.temperature is not None and self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")

    def config(self, query: str, index: int) -> GenerateConfig:
        """The generation settings of candidate ``index`` for ``query``."""
        seed = None if self.seed is None else candidate_seed(self.seed, query, index)
        return GenerateConfig(max_tokens=self.max_tokens, temperature=self.temperature, top_p=self.top_p, seed=seed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


@dataclass(frozen=True)
class Candidate:
    """One sampled greeting.

    Attributes:
        index: Its number among the request's k candidates (0-based).
        text: The policy's output (untrusted text: stored and judged as data, never run).
        stop_reason: Inspect's stop reason (``stop``, ``max_tokens``, ...).
        output_tokens: Tokens the provider reported, or None.
        seed: The seed it was sampled with, or None.
    """

    index: int
    text: str
    stop_reason: str
    output_tokens: int | None
    seed: int | None

    @property
    def truncated(self) -> bool:
        """Whether the output was cut at ``max_tokens`` (an unfinished greeting)."""
        return self.stop_reason == MAX_TOKENS_STOP

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Candidate:
        """Inverse of :meth:`to_dict`."""
        return cls(**{name: data.get(name) for name in cls.__dataclass_fields__})


def candidate_seed(seed: int, query: str, index: int) -> int:
    """A 31-bit seed for candidate ``index`` of ``query`` under run seed ``seed`` (stable across processes)."""
    return int(sha256_hex(f"{seed}\x00{query.strip()}\x00{index}")[:8], 16) & 0x7FFFFFFF


def _candidate(index: int, output: ModelOutput, seed: int | None) -> Candidate:
    choice = output.choices[0] if output.choices else None
    stop = str(choice.stop_reason) if choice is not None else "unknown"
    tokens = output.usage.output_tokens if output.usage else None
    return Candidate(index=index, text=output.completion, stop_reason=stop, output_tokens=tokens, seed=seed)


async def sample_candidates(model: Model, query: str, settings: SamplingSettings) -> list[Candidate]:
    """Sample ``settings.k`` candidates for one request, concurrently.

    Args:
        model: The policy.
        query: The bare request.
        settings: How to sample.

    Returns:
        The candidates in index order (empty or repeated texts included: pairing decides what to do with them).

    Raises:
        Exception: Whatever the provider raised for any of the k calls (the request's samples are then not
            recorded, and a resumed run samples it again).
    """
    messages = [ChatMessageUser(content=policy_prompt(query))]
    configs = [settings.config(query, index) for index in range(settings.k)]
    outputs = await asyncio.gather(*(model.generate(messages, config=config) for config in configs))
    return [_candidate(i, output, config.seed) for i, (output, config) in enumerate(zip(outputs, configs, strict=True))]
