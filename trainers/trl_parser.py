"""Config files read by TRL's own parser: YAML keys become TRL/transformers dataclass fields, strictly.

TRL scripts read ``--config x.yaml`` with :class:`trl.TrlParser`, an ``HfArgumentParser`` that builds an ``argparse``
option for every field of every dataclass it is given (``GRPOConfig``, ``ModelConfig``, a greetbench dataclass).
The same parser reads every greetbench trainer config (``SftConfig``, ``RewardConfig``, GRPO's three), so every TRL
option is settable from YAML without being declared again here.

TRL itself sets YAML values as argparse *defaults*, which argparse never type-checks, and turns unknown keys into
left-over strings. :func:`parse_mapping` is stricter, through the same parser:

- an unknown key is an error naming the key and the file (with close matches);
- scalars and lists of scalars go through argparse as option strings, so each field's own type function checks
  them (``int``, ``float``, ``string_to_bool``, ``Literal`` choices, ``nargs`` lists); a boolean field takes YAML
  ``true``/``false`` only (argparse would read ``'no'`` as False);
- ``null``, mappings and lists of mappings cannot be written as option strings: they are set as defaults, after a
  check that the field's type admits None, a dict, or a list of dicts;
- a top-level ``env:`` mapping sets environment variables, as ``TrlParser`` does;
- errors raised by a dataclass's own checks (``GRPOConfig`` refuses a generation batch not divisible by
  ``num_generations``) are re-raised as :class:`trainers.config.ConfigError` with the file named.

``HfArgumentParser`` is imported inside functions from ``transformers`` (not ``trl``, whose import takes ~16 s):
loading an SFT or RM config stays cheap.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import os
import re
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from trainers.config import ConfigError, resolve_config_path

_ARGPARSE_ERROR = re.compile(r"argument --([\w-]+)(?:/[^:]*)?: (.*)", re.DOTALL)
"""An argparse message about one option: ``argument --max_steps/--max-steps: invalid int value: '2.5'``."""


_REQUIRED_ERROR = re.compile(r"the following arguments are required: (.*)")
"""argparse's message for required options (dataclass fields without a default) that were not given."""


ENV_KEY = "env"
"""As in ``trl.TrlParser``: a top-level ``env:`` mapping sets environment variables before the run (e.g.
``CUDA_VISIBLE_DEVICES``, ``HF_HUB_OFFLINE``); it is not a dataclass field."""


class _ArgumentError(Exception):
    """Raised instead of argparse's exit, carrying its message."""


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """A YAML file's top-level mapping (an empty file is an empty mapping).

    Raises:
        ConfigError: The file cannot be read or parsed, or is not a mapping; the message names the file.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise ConfigError(f"{path}: cannot be read as YAML ({err})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys to values, got {type(data).__name__}")
    return data


def parse_config_file(
    dataclass_types: Sequence[type], name_or_path: str | Path, overrides: Mapping[str, Any] | None = None
) -> tuple[Path, tuple[Any, ...]]:
    """Read a preset or YAML file into ``dataclass_types`` with TRL's parser (see the module docstring).

    Args:
        dataclass_types: The dataclasses, e.g. ``(GreetbenchGrpoArguments, GRPOConfig, ModelConfig)``.
        name_or_path: A bundled preset name or a YAML file (:func:`trainers.config.resolve_config_path`).
        overrides: Keys that win over the file's; a None value means "not given" and is ignored.

    Returns:
        The resolved file and one instance per dataclass, in order.

    Raises:
        ConfigError: Naming the file and the key.
    """
    path = resolve_config_path(name_or_path)
    data = read_yaml_mapping(path)
    env = data.pop(ENV_KEY, None)
    if env is not None:
        if not isinstance(env, dict):
            raise ConfigError(f"{path}: key {ENV_KEY!r}: expected a mapping of variable names to values")
        os.environ.update({str(name): str(value) for name, value in env.items()})
    data.update({key: value for key, value in (overrides or {}).items() if value is not None})
    return path, parse_mapping(dataclass_types, data, str(path))


def parse_mapping(dataclass_types: Sequence[type], data: Mapping[str, Any], source: str) -> tuple[Any, ...]:
    """Build ``dataclass_types`` from a mapping with TRL's parser, strictly (see the module docstring).

    Args:
        dataclass_types: The dataclasses to fill; a key belongs to the first that has it as a field.
        data: Key -> value, as YAML gives it.
        source: Named first in every error (a file path, or ``file: rewards[0]``).

    Returns:
        One instance per dataclass, in order.

    Raises:
        ConfigError: ``<source>: unknown key 'x' ...``, ``<source>: key 'x': <why>``, or a dataclass's own check.
    """
    parser = _parser(dataclass_types)
    actions = {action.dest: action for action in parser._actions if action.dest != "help"}
    _keep_plain_defaults(actions, dataclass_types)
    hints = _field_hints(dataclass_types)
    unknown = [key for key in data if key not in actions]
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(str(key), list(actions), n=3)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        more = f" (also {', '.join(map(repr, unknown[1:]))})" if unknown[1:] else ""
        owners = ", ".join(cls.__name__ for cls in dataclass_types)
        raise ConfigError(f"{source}: unknown key {key!r} for {owners}{more}{hint}")
    argv: list[str] = []
    defaults: dict[str, Any] = {}
    for key, value in data.items():
        action, hint = actions[key], hints.get(key)
        try:
            if value is None or isinstance(value, dict) or _holds_mappings(value):
                _check_structured(value, hint)
                defaults[key] = value
            elif isinstance(value, list):
                if action.nargs not in ("+", "*"):
                    raise ValueError(f"expected a single value, got a list {value!r}")
                _check_items(value, hint)
                argv += [f"--{key}", *(_option_text(item) for item in value)]
            else:
                if _is_bool_field(action, hint) and not isinstance(value, bool):
                    raise ValueError(f"expected true or false, got {value!r}")
                argv += [f"--{key}", _option_text(value)]
        except ValueError as err:
            raise ConfigError(f"{source}: key {key!r}: {err}") from None
    _set_defaults(parser, defaults)
    try:
        return tuple(parser.parse_args_into_dataclasses(args=argv, look_for_args_file=False))
    except _ArgumentError as err:
        missing = _REQUIRED_ERROR.match(str(err))
        if missing:
            keys = [name.split("/")[0].removeprefix("--").replace("-", "_") for name in missing.group(1).split(", ")]
            raise ConfigError(f"{source}: missing key {keys[0]!r}") from None
        match = _ARGPARSE_ERROR.match(str(err))
        if match:
            raise ConfigError(f"{source}: key {match.group(1).replace('-', '_')!r}: {match.group(2)}") from None
        raise ConfigError(f"{source}: {err}") from None
    except ConfigError as err:
        raise ConfigError(f"{source}: {err}") from None
    except (ValueError, TypeError) as err:  # a dataclass's own __post_init__ check
        raise ConfigError(f"{source}: {err}") from None


def _parser(dataclass_types: Sequence[type]) -> Any:
    """``HfArgumentParser`` (what ``trl.TrlParser`` is built on; importing it does not import ``trl``) that raises
    instead of printing and exiting."""
    from transformers import HfArgumentParser

    class StrictParser(HfArgumentParser):
        def error(self, message: str) -> typing.NoReturn:
            raise _ArgumentError(message)

    return StrictParser(list(dataclass_types))


def _keep_plain_defaults(actions: dict[str, argparse.Action], dataclass_types: Sequence[type]) -> None:
    """Give list-typed options their field's plain default: ``HfArgumentParser`` reads only ``default_factory``
    for lists, so ``lora_target_modules: str | list[str] = "all-linear"`` would otherwise arrive as None."""
    for cls in dataclass_types:
        for field in dataclasses.fields(cls):
            action = actions.get(field.name)
            if action is None or action.default is not None or field.default in (dataclasses.MISSING, None):
                continue
            if isinstance(field.default, str) and callable(action.type):  # argparse converts string defaults
                try:
                    action.type(field.default)
                except (TypeError, ValueError):  # e.g. TrainingArguments.debug = "" (no DebugOption "")
                    continue
            action.default = field.default


def _set_defaults(parser: Any, defaults: dict[str, Any]) -> None:
    """Set values as option defaults, making those options optional (``TrlParser.set_defaults_with_config``)."""
    for action in parser._actions:
        if action.dest in defaults:
            action.default = defaults[action.dest]
            action.required = False


def _field_hints(dataclass_types: Sequence[type]) -> dict[str, Any]:
    hints: dict[str, Any] = {}
    for cls in dataclass_types:
        resolved = typing.get_type_hints(cls)
        for field in dataclasses.fields(cls):
            hints.setdefault(field.name, resolved.get(field.name, Any))
    return hints


def _holds_mappings(value: Any) -> bool:
    """A list argparse cannot take as option strings: empty, or holding mappings or lists."""
    return isinstance(value, list) and (not value or any(isinstance(item, dict | list) for item in value))


def _type_options(hint: Any) -> tuple[Any, ...]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return typing.get_args(hint)
    return (hint,)


def _check_structured(value: Any, hint: Any) -> None:
    """Check a value that bypasses argparse (None, a mapping, a list of mappings) against the field's type."""
    options = _type_options(hint)
    if hint is Any:
        return
    if value is None:
        if type(None) not in options:
            raise ValueError("null is not allowed here")
        return
    origins = {typing.get_origin(option) or option for option in options}
    if isinstance(value, dict):
        if dict not in origins:
            raise ValueError(f"expected a single value, got a mapping {value!r}")
        return
    lists = [option for option in options if (typing.get_origin(option) or option) is list]
    element = typing.get_args(lists[0])[0] if lists and typing.get_args(lists[0]) else Any
    if not lists:
        raise ValueError(f"expected a single value, got a list {value!r}")
    if not value:
        return
    if (typing.get_origin(element) or element) not in (dict, Any):
        raise ValueError(f"expected a list of values, got {value!r}")
    bad = [item for item in value if not isinstance(item, dict)]
    if bad:
        raise ValueError(f"expected a list of mappings, got the item {bad[0]!r}")


def _check_items(value: list[Any], hint: Any) -> None:
    """Check YAML list items against a ``list[str]`` field natively (argparse would take ``3`` as ``"3"``)."""
    for option in _type_options(hint):
        if (typing.get_origin(option) or option) is list and typing.get_args(option) == (str,):
            bad = [item for item in value if not isinstance(item, str)]
            if bad:
                raise ValueError(f"expected a list of strings, got the item {bad[0]!r}")


def _is_bool_field(action: argparse.Action, hint: Any) -> bool:
    return bool in _type_options(hint) or getattr(action.type, "__name__", "") == "string_to_bool"


def _option_text(value: Any) -> str:
    """A YAML scalar as the option string argparse parses: booleans as ``true``/``false``, numbers exactly."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)
