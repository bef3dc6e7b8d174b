"""The four roles of principle optimization and the one way they are called: JSON in, recorded, replayed on resume."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from inspect_ai.model import ChatMessageSystem, ChatMessageUser, GenerateConfig, Model

from feedback.principles.store import RunStore
from harness.judges.verdict import json_objects
from harness.models import make_model

ROLES = ("generator", "detector", "reflector", "optimizer")
"""Every role is an Inspect model; one model may play all four."""

ROLE_CONFIG = GenerateConfig(max_tokens=400, temperature=0.7)
"""Generation settings of the writing roles (the Detector judges with the principle judge's own settings)."""


class MalformedOutput(ValueError):
    """A role's output that cannot be used; recorded with this message and skipped."""


@dataclass(frozen=True)
class Roles:
    """The models playing each role."""

    generator: Model
    detector: Model
    reflector: Model
    optimizer: Model

    @classmethod
    def from_names(cls, default: str, overrides: Mapping[str, str]) -> Roles:
        """``default`` for every role, ``overrides`` (role -> model name) where given.

        Raises:
            ValueError: An override names no role.
        """
        unknown = sorted(set(overrides) - set(ROLES))
        if unknown:
            raise ValueError(f"unknown role {unknown[0]!r}: roles are {', '.join(ROLES)}")
        return cls(**{role: make_model(overrides.get(role, default)) for role in ROLES})

    def names(self) -> dict[str, str]:
        """Role -> model name, for the run's config."""
        return {role: str(getattr(self, role)) for role in ROLES}


def json_field(output: str, field: str) -> Any:
    """The value of ``field`` in the first JSON object of ``output`` that has it.

    Raises:
        MalformedOutput: No JSON object with that field.
    """
    for obj in json_objects(output):
        if field in obj:
            return obj[field]
    raise MalformedOutput(f"no JSON object with {field!r}")


async def role_call(
    store: RunStore,
    key: str,
    role: str,
    model: Model,
    system: str,
    prompt: str,
    read: Callable[[str], Any],
    config: GenerateConfig = ROLE_CONFIG,
) -> dict[str, Any]:
    """Ask one role, record the raw output and what was read from it (or why nothing could be).

    Args:
        store: The run folder (a call made before under ``key`` is replayed, not repeated).
        key: What the call is for, unique in the run.
        role: The role's name, for the record.
        model: The model playing it.
        system: The system message.
        prompt: The user message.
        read: Turns the raw output into what the loop uses; raises :class:`MalformedOutput` (or ``ValueError``)
            when it cannot.

    Returns:
        The record: ``role``, ``output``, ``read`` (None when malformed) and ``error`` (None when read).
    """

    async def make() -> dict[str, Any]:
        messages = [ChatMessageSystem(content=system), ChatMessageUser(content=prompt)]
        output = (await model.generate(messages, config=config)).completion
        try:
            return {"role": role, "output": output, "read": read(output), "error": None}
        except ValueError as error:  # MalformedOutput and RuleSetError alike: recorded, never used
            return {"role": role, "output": output, "read": None, "error": str(error)}

    return await store.call(key, make)
