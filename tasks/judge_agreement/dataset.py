"""Labelled evaluation rows for judge_agreement: each sample is a (query, response) with its human label.

The rows are one side of the deterministic dev/test split (:func:`harness.data.split_eval_set`), or all of them;
each carries its length, its split side and whether its query occurs in training data (the contamination index).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from inspect_ai.dataset import MemoryDataset, Sample

from harness.creativity import (  # inspect-evals-lint: ignore[IECQ004] -- harness is greetbench's own package
    char_length,
)
from harness.data import (
    TRAINING_SOURCES,
    ContaminationIndex,
    DataFiles,
    EvalRowMatch,
    LabelledGreeting,
    build_contamination_index,
    load_eval_set,
    policy_prompt,
    resolve_data_dir,
    split_eval_set,
)
from harness.hashing import sha256_file

SplitName = Literal["test", "dev", "all"]
"""Which rows to evaluate: the test side of the split (default), the dev side, or every row."""

SPLITS: tuple[str, ...] = ("test", "dev", "all")

FITTED_ON = "dev"
"""The side of the split that label-fitted judges (the length threshold, the reward-model threshold) are fitted on."""


@dataclass(frozen=True)
class AgreementRows:
    """The samples of a judge_agreement run and what the log records about them.

    Attributes:
        dataset: One sample per labelled row (id ``eval-<line>``; target ``"1"`` good or ``"0"`` bad).
        provenance: Split (method, seed, fraction, digest, counts), contamination index (digest, counts on the
            chosen rows), the eval file's SHA-256 and whether the rows overlap the rows judges were fitted on.
        root: The data folder used.
    """

    dataset: MemoryDataset
    provenance: dict[str, Any]
    root: Path


def require_data_dir(data_dir: str | Path | None) -> Path:
    """The data folder (argument, ``$GREETBENCH_DATA_DIR`` or a fetched copy); judge agreement needs labels.

    Raises:
        FileNotFoundError: No data folder can be found.
    """
    root = resolve_data_dir(data_dir)
    if root is None:
        raise FileNotFoundError(
            "judge_agreement needs the paper's labelled evaluation set: pass data_dir, set GREETBENCH_DATA_DIR "
            "or run `greetbench data fetch`"
        )
    return root


def agreement_rows(
    split: SplitName = "test", data_dir: str | Path | None = None, *, calibrate: bool = False
) -> AgreementRows:
    """Load the labelled rows of one split side, with each row's length, side and contamination.

    A row is *contaminated* when its query occurs in a training source (SFT, reward-model train or GRPO train;
    :data:`harness.data.TRAINING_SOURCES`), matched after ``strip()``. Every file of the data folder is read
    (the index needs them all); a missing file is an error, not a silently clean row.

    Every sample's metadata says whether it is ``reported``: True for the rows of ``split``. With ``calibrate``
    the dev rows are added when ``split`` lacks them (``test``), marked ``reported=False``: they are scored only so
    that a P(good) threshold can be fit on them; every reported figure stays on the ``split`` rows. ``dev`` and
    ``all`` already hold the dev rows (reported, and the provenance says they overlap the fitting rows).

    Args:
        split: ``test``, ``dev`` or ``all``.
        data_dir: The paper's data folder (default ``$GREETBENCH_DATA_DIR`` or a fetched copy).
        calibrate: Also score the dev rows (to fit on), when ``split`` does not include them.

    Returns:
        The samples and their provenance.

    Raises:
        ValueError: Unknown ``split``.
        FileNotFoundError: No data folder.
        DataError: A data file is missing or malformed.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    root = require_data_dir(data_dir)
    files = DataFiles(root)
    rows = load_eval_set(files.eval_set)
    eval_split = split_eval_set(rows)
    index = build_contamination_index(files)
    matches = {match.line: match for match in index.eval_rows}
    sides = {row.line: "dev" for row in eval_split.dev} | {row.line: "test" for row in eval_split.test}
    chosen = rows if split == "all" else list(eval_split.dev if split == "dev" else eval_split.test)
    fitting = list(eval_split.dev) if calibrate and split == "test" else []
    samples = [_sample(row, sides[row.line], matches[row.line]) for row in chosen]
    samples += [_sample(row, sides[row.line], matches[row.line], reported=False) for row in fitting]
    name = f"greetings-eval-{split}" + ("+dev" if fitting else "")
    dataset = MemoryDataset(samples, name=name, location=str(files.eval_set))
    provenance = _provenance(split, chosen, eval_split.to_dict(), index, files)
    provenance["calibrate"] = calibrate
    provenance["fitting_rows_scored"] = len(fitting) if fitting else (len(eval_split.dev) if calibrate else 0)
    return AgreementRows(dataset, provenance, root)


def _sample(row: LabelledGreeting, side: str, match: EvalRowMatch, *, reported: bool = True) -> Sample:
    sources = sorted(match.sources)
    return Sample(
        id=f"eval-{row.line}",
        input=policy_prompt(row.query),
        target=str(row.label),
        metadata={
            "query": row.query,
            "response": row.response,
            "label": row.label,
            "length": char_length(row.response),
            "line": row.line,
            "split_side": side,
            "contaminated": bool(set(sources) & set(TRAINING_SOURCES)),
            "sources": sources,
            "verbatim": sorted(match.verbatim),
            "reported": reported,
        },
    )


def _provenance(
    split: str,
    chosen: list[LabelledGreeting],
    split_info: dict[str, Any],
    index: ContaminationIndex,
    files: DataFiles,
) -> dict[str, Any]:
    contaminated = set(index.contaminated_lines())
    on_rows = sum(row.line in contaminated for row in chosen)
    overlaps = split in ("dev", "all")
    return {
        "split": split,
        "rows": len(chosen),
        "good": sum(row.label == 1 for row in chosen),
        "bad": sum(row.label == 0 for row in chosen),
        "eval_set_sha256": sha256_file(files.eval_set),
        "split_provenance": split_info,
        "split_digest": split_info["digest"],
        "contamination": {
            "digest": index.digest(),
            "training_sources": list(TRAINING_SOURCES),
            "contaminated_rows": on_rows,
            "clean_rows": len(chosen) - on_rows,
            "index_summary": index.summary(),
        },
        "fitted_on": FITTED_ON,
        "overlaps_fitting_rows": overlaps,
        "fitting_note": (
            f"split={split!r} includes the {FITTED_ON} rows that label-fitted judges (length threshold, "
            "reward-model threshold) were fitted on: their figures here are optimistic"
            if overlaps
            else f"label-fitted judges were fitted on the {FITTED_ON} rows; these test rows are disjoint from them"
        ),
    }
