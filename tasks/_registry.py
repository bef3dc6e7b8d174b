"""Inspect entry point (``[project.entry-points.inspect_ai] greetbench``): importing this registers the
greetbench tasks (``greetbench/<task>``) and the ``embedded/`` and ``null/`` model providers."""

from harness.models import null as _null  # noqa: F401  (registers the null/ model API)
from harness.models import provider as _provider  # noqa: F401  (registers the embedded/ model API)
from tasks.greeting_generation import greeting_generation
from tasks.judge_agreement import judge_agreement
from tasks.judge_probes import judge_probes

__all__ = ["greeting_generation", "judge_agreement", "judge_probes"]
