"""greeting_generation: the model under test writes one greeting per request; judges score it.

Reads top to bottom: dataset, solver, scorers (each with its metrics).
"""

from __future__ import annotations

from inspect_ai import Task, task
from inspect_ai.model import GenerateConfig
from inspect_ai.solver import generate

from harness.form import response_length
from harness.judges import principle_judge
from harness.principles import DEFAULT_PRINCIPLES, load_principles
from tasks.greeting_generation.dataset import PromptSource, greeting_dataset

TASK_VERSION = 1

POLICY_CONFIG = GenerateConfig(max_tokens=256)
"""A greeting is a few sentences; 256 tokens leaves room and stops runaway generations."""


@task(name="greetbench/greeting_generation")
def greeting_generation(
    prompts: PromptSource = "auto",
    data_dir: str | None = None,
    principles: str = DEFAULT_PRINCIPLES,
) -> Task:
    """Generate one Chinese greeting per request and judge it against principles.

    The judge comes from the required model role ``judge`` (``--model-role judge=...``).

    Args:
        prompts: ``auto`` (GRPO test split when data is present, else bundled), ``bundled``, ``grpo-test``.
        data_dir: Folder holding the paper's data; defaults to ``$GREETBENCH_DATA_DIR`` or a fetched copy.
        principles: Bundled principles name or a YAML path; its SHA-256 goes into the log.
    """
    dataset = greeting_dataset(prompts, data_dir)
    return Task(
        dataset=dataset,
        solver=generate(),
        scorer=[principle_judge(principles), response_length()],
        config=POLICY_CONFIG,
        version=TASK_VERSION,
        metadata={
            "prompt_set": dataset.name,
            "prompt_count": len(dataset),
            **load_principles(principles).provenance(),
        },
    )
