"""greeting_generation: the model under test writes one greeting per request; judges score it.

Reads top to bottom: dataset, solver, scorers (each with its metrics).
"""

from __future__ import annotations

from inspect_ai import Task, task
from inspect_ai.model import GenerateConfig
from inspect_ai.solver import generate

from harness.creativity import creativity
from harness.errors import task_arguments
from harness.judges.registry import build_judges
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
    judges: str | list[str] = "principle",
    rm_checkpoint: str | None = None,
    judge_reason: bool = True,
) -> Task:
    """Generate one Chinese greeting per request, judge it, and measure its form and creativity.

    LLM judges take their model from the required model role ``judge`` (``--model-role judge=...``).

    Args:
        prompts: ``auto`` (GRPO test split when data is present, else bundled), ``bundled``, ``grpo-test``.
        data_dir: Folder holding the paper's data; defaults to ``$GREETBENCH_DATA_DIR`` or a fetched copy.
        principles: Bundled principles name or a YAML path; its SHA-256 goes into the log.
        judges: Comma-separated judges (``principle``, ``debate``, ``rm``, ``length``, ``constant``, ``panel``);
            each becomes a column of the log, ``panel`` the majority of the non-baseline judges.
        rm_checkpoint: Reward-model checkpoint for the ``rm`` judge.
        judge_reason: The principle judge gives a reason with its verdict (default); False asks for the verdict
            word alone (fast: one forward pass and a token or two).

    Raises:
        TaskArgumentError: An argument that cannot be used (unknown judge or prompt set, missing or malformed
            principles, missing data), in one line.
    """
    with task_arguments():
        dataset = greeting_dataset(prompts, data_dir)
        judged = build_judges(
            judges, principles=principles, data_dir=data_dir, rm_checkpoint=rm_checkpoint, judge_reason=judge_reason
        )
        provenance = load_principles(principles).provenance()
    return Task(
        dataset=dataset,
        solver=generate(),
        scorer=[*judged, creativity(data_dir)],
        config=POLICY_CONFIG,
        version=TASK_VERSION,
        metadata={"prompt_set": dataset.name, "prompt_count": len(dataset), **provenance},
    )
