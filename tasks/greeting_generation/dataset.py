"""Greeting requests for greeting_generation: the paper's GRPO test prompts, or the bundled set."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from inspect_ai.dataset import MemoryDataset, Sample

from harness.data import (  # inspect-evals-lint: ignore[IECQ004] -- harness is greetbench's own package
    DataFiles,
    GreetingRequest,
    load_bundled_requests,
    load_grpo_requests,
    resolve_data_dir,
)

PromptSource = Literal["auto", "bundled", "grpo-test"]
PROMPT_SOURCES: tuple[PromptSource, ...] = get_args(PromptSource)


def request_source(prompts: PromptSource, data_dir: str | Path | None) -> tuple[str, Path | None]:
    """Resolve which prompt set to use.

    ``auto`` is the GRPO test split when data is available (``data_dir``, ``$GREETBENCH_DATA_DIR`` or a
    fetched copy), else the bundled prompts. ``grpo-test`` without data is an error, not a silent switch.

    Returns:
        (the concrete source name, the data folder or None for bundled).

    Raises:
        ValueError: An unknown prompt set.
        FileNotFoundError: ``grpo-test`` without the paper's data.
    """
    if prompts not in PROMPT_SOURCES:
        raise ValueError(f"prompts {prompts!r}: choose from {', '.join(PROMPT_SOURCES)}")
    root = resolve_data_dir(data_dir)
    if prompts == "bundled" or (prompts == "auto" and root is None):
        return "bundled", None
    if root is None:
        raise FileNotFoundError(
            "prompts='grpo-test' needs the paper's data: pass data_dir, set GREETBENCH_DATA_DIR "
            "or run `greetbench data fetch`"
        )
    return "grpo-test", root


def greeting_dataset(prompts: PromptSource = "auto", data_dir: str | Path | None = None) -> MemoryDataset:
    """One sample per greeting request; the input is the paper's policy prompt.

    Args:
        prompts: ``auto``, ``bundled`` or ``grpo-test`` (see :func:`request_source`).
        data_dir: Folder with the paper's data (the layout of its ``dataset/``).

    Returns:
        Samples with ids ``<source>-<index>`` and the bare query in ``metadata["query"]``.
    """
    source, root = request_source(prompts, data_dir)
    requests = load_bundled_requests() if root is None else load_grpo_requests(DataFiles(root).grpo_test)
    return MemoryDataset(
        [_sample(source, r) for r in requests],
        name=f"greetings-{source}",
        location=str(root) if root else "bundled",
    )


def _sample(source: str, request: GreetingRequest) -> Sample:
    return Sample(
        id=f"{source}-{request.index}",
        input=request.prompt,
        metadata={"query": request.query, "category": request.category, "source": source},
    )
