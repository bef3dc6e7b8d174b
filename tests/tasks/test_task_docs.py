"""Each task's eval.yaml and README agree with its code.

inspect-evals-lint checks that they exist and hold the required fields, but resolves ``inspect eval`` commands
only under the package's top-level module (``tasks/<task>``), not greetbench's registry namespace
(``greetbench/<task>``), so the README's ``-T`` arguments are checked here.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest
import yaml

TASKS_DIR = Path(__file__).resolve().parents[2] / "tasks"
TASK_NAMES = ("greeting_generation", "judge_agreement", "judge_probes")


def _signature(name: str) -> inspect.Signature:
    task_function = getattr(importlib.import_module(f"tasks.{name}"), name)
    return inspect.signature(inspect.unwrap(task_function))


@pytest.mark.parametrize("name", TASK_NAMES)
def test_eval_yaml_names_the_task_and_its_version(name: str) -> None:
    meta = yaml.safe_load((TASKS_DIR / name / "eval.yaml").read_text(encoding="utf-8"))
    assert [t["name"] for t in meta["tasks"]] == [name]
    assert meta["version"] == str(importlib.import_module(f"tasks.{name}.task").TASK_VERSION)


def _options(readme: str) -> set[str]:
    """The names in the README's Options bullets (the backticked words before each bullet's colon)."""
    section = readme.split("## Options", 1)[1].split("\n## ", 1)[0]
    bullets = [line.split(":", 1)[0] for line in section.splitlines() if line.startswith("- ")]
    return {name for bullet in bullets for name in re.findall(r"`(\w+)`", bullet)}


@pytest.mark.parametrize("name", TASK_NAMES)
def test_readme_task_arguments_and_options_are_the_task_parameters(name: str) -> None:
    readme = (TASKS_DIR / name / "README.md").read_text(encoding="utf-8")
    parameters = set(_signature(name).parameters)
    used = set(re.findall(r"-T (\w+)=", readme))
    assert used and used <= parameters
    assert _options(readme) == parameters
