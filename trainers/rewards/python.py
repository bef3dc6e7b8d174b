"""A reward written in Python by the user: ``{kind: python, function: "package.module:name"}``.

The function has TRL's reward signature (``f(prompts, completions, **kwargs) -> list[float | None]``, sync or
``async``) and is imported when the config is checked, so a wrong path fails before any model loads.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from trainers.rewards.base import RewardSpec


@dataclass
class PythonRewardSpec(RewardSpec):
    """``{kind: python}``.

    Attributes:
        function: ``module:attribute`` of the reward function (the module must be importable).
    """

    function: str = ""

    def __post_init__(self) -> None:
        """Check the reference's shape (not yet that it imports)."""
        if ":" not in self.function:
            raise ValueError(f"function must be 'module:name', got {self.function!r}")


def import_reward(reference: str) -> Callable[..., Any]:
    """Import ``module:attribute`` and check it is callable.

    Raises:
        ValueError: The module or attribute cannot be imported, or is not callable.
    """
    module_name, _, attribute = reference.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as err:
        raise ValueError(f"cannot import reward function {reference!r}: {err}") from None
    if not callable(target):
        raise ValueError(f"reward function {reference!r} is not callable")
    return target
