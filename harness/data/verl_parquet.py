"""The paper's GRPO prompts in verl's dataset layout, with the bare request where a reward can read it.

The paper's ``grpo_data/{train,test}.parquet`` rows carry the prompt, an empty ``reward_model.ground_truth`` and
``extra_info: {index, split}``. verl hands a custom reward only ``ground_truth`` and ``extra_info``, so a reward
that reads those rows cannot see the request. These files keep every column verl reads and put the bare request
in both ``reward_model.ground_truth`` and ``extra_info.query`` (what :mod:`trainers.verl_reward` reads first).
"""

from __future__ import annotations

from pathlib import Path

from harness.data.loaders import load_grpo_requests
from harness.data.sources import DataFiles

VERL_DATA_SOURCE = "greetbench/greetings"
"""The ``data_source`` of every row (verl groups its validation metrics by it)."""


def write_verl_parquet(files: DataFiles, out: Path) -> dict[str, Path]:
    """Write ``out/train.parquet`` and ``out/test.parquet`` from the paper's GRPO splits.

    Args:
        files: The data folder's files.
        out: The folder to write (created).

    Returns:
        Split -> written file.

    Raises:
        DataError: A GRPO file is missing or has a bad row (named by its index).
    """
    import polars as pl

    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for split, source in (("train", files.grpo_train), ("test", files.grpo_test)):
        rows = [
            {
                "prompt": [{"role": "user", "content": request.prompt}],
                "data_source": VERL_DATA_SOURCE,
                "ability": "text_generation",
                "reward_model": {"ground_truth": request.query, "style": "model"},
                "extra_info": {"index": request.index, "split": split, "query": request.query},
            }
            for request in load_grpo_requests(source)
        ]
        path = out / f"{split}.parquet"
        pl.DataFrame(rows).write_parquet(path)
        written[split] = path
    return written
