"""From the ``rewards:`` list of a config to TRL reward callables and their weights.

``rewards: [{kind: rm, weight: 1.0, checkpoint: ...}, {kind: judge, model: ...}, {kind: pairwise, model: ...},
{kind: length}, {kind: format}]``.
Each item is parsed by TRL's parser into its kind's spec dataclass (:data:`REWARD_KINDS`), so an unknown key or a
wrong type names the item (``rewards[1]``) and the file. :func:`build_rewards` then makes the callables, which
checks what can be checked before the policy loads: an RM checkpoint exists, a judge model can be made, a Python
reward imports.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from trainers.config import ConfigError
from trainers.rewards.base import RewardSpec, renamed
from trainers.rewards.format import FormatReward, FormatRewardSpec
from trainers.rewards.judge import JudgeReward, JudgeRewardSpec
from trainers.rewards.length import LengthReward, LengthRewardSpec
from trainers.rewards.pairwise import PairwiseReward, PairwiseRewardSpec
from trainers.rewards.python import PythonRewardSpec, import_reward
from trainers.rewards.rm import RmReward, RmRewardSpec


def _python_reward(spec: PythonRewardSpec, name: str) -> Callable[..., Any]:
    return renamed(import_reward(spec.function), name)


REWARD_KINDS: dict[str, tuple[type[RewardSpec], Callable[[Any, str], Callable[..., Any]]]] = {
    "rm": (RmRewardSpec, RmReward),
    "judge": (JudgeRewardSpec, JudgeReward),
    "pairwise": (PairwiseRewardSpec, PairwiseReward),
    "length": (LengthRewardSpec, LengthReward),
    "format": (FormatRewardSpec, FormatReward),
    "python": (PythonRewardSpec, _python_reward),
}
"""Kind -> (spec dataclass, ``maker(spec, name) -> callable``)."""


@dataclass(frozen=True)
class NamedSpec:
    """A parsed reward item: its kind, the name it is logged under, and its spec."""

    kind: str
    name: str
    spec: RewardSpec


def parse_reward_spec(item: Any, source: str) -> tuple[str, RewardSpec]:
    """Parse one ``rewards:`` item (a mapping with ``kind``) into its spec.

    Raises:
        ConfigError: Not a mapping, no or unknown ``kind``, an unknown key or a bad value (naming ``source``).
    """
    from trainers.trl_parser import parse_mapping

    if not isinstance(item, dict):
        raise ConfigError(f"{source}: expected a mapping with a 'kind', got {item!r}")
    data = dict(item)
    kind = data.pop("kind", None)
    if kind not in REWARD_KINDS:
        raise ConfigError(f"{source}: key 'kind' must be one of {', '.join(REWARD_KINDS)}, got {kind!r}")
    (spec,) = parse_mapping((REWARD_KINDS[kind][0],), data, source)
    return kind, spec


def parse_reward_specs(items: Sequence[Any], source: str, key: str = "rewards") -> list[NamedSpec]:
    """Parse a ``rewards:`` list; names default to the kind, numbered when a kind repeats (``judge``, ``judge_2``).

    Raises:
        ConfigError: The list is empty, an item is bad, or two rewards share a name.
    """
    if not items:
        raise ConfigError(f"{source}: key {key!r}: needs at least one reward (e.g. [{{kind: length}}])")
    parsed = [parse_reward_spec(item, f"{source}: {key}[{i}]") for i, item in enumerate(items)]
    seen: Counter[str] = Counter()
    named = []
    for kind, spec in parsed:
        seen[kind] += 1
        name = spec.name or (kind if seen[kind] == 1 else f"{kind}_{seen[kind]}")
        named.append(NamedSpec(kind, name, spec))
    names = [n.name for n in named]
    duplicate = next((name for name in names if names.count(name) > 1), None)
    if duplicate:
        raise ConfigError(f"{source}: key {key!r}: two rewards are named {duplicate!r}; give one a 'name'")
    return named


def build_reward(named: NamedSpec, source: str = "config") -> Callable[..., Any]:
    """Make one reward callable.

    Raises:
        ConfigError: The RM checkpoint is missing, the judge model cannot be made, the Python reward does not
            import (naming the reward and ``source``).
    """
    maker = REWARD_KINDS[named.kind][1]
    try:
        return maker(named.spec, named.name)
    except ConfigError:
        raise
    except Exception as err:
        raise ConfigError(f"{source}: reward {named.name!r} ({named.kind}): {err}") from None


def build_rewards(specs: Sequence[NamedSpec], source: str = "config") -> tuple[list[Callable[..., Any]], list[float]]:
    """Make every reward callable; return them with their weights (for ``GRPOConfig.reward_weights``)."""
    rewards = [build_reward(named, f"{source}: rewards[{i}]") for i, named in enumerate(specs)]
    return rewards, [named.spec.weight for named in specs]
