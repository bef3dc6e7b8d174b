"""Probe cases for judge_probes: cut by code from the labelled evaluation set, one sample per case."""

from __future__ import annotations

from pathlib import Path

from inspect_ai.dataset import MemoryDataset, Sample

from harness.data import (  # inspect-evals-lint: ignore[IECQ004] -- harness is greetbench's own package
    DataFiles,
    load_eval_set,
    resolve_data_dir,
)
from harness.hashing import sha256_file
from harness.probes import ProbeCase, ProbePool, ProbeSettings, build_probe_cases
from harness.solvers import GIVEN_RESPONSE_KEY


def probe_dataset(
    probes: str | list[str],
    n: int,
    settings: ProbeSettings,
    data_dir: str | Path | None = None,
) -> MemoryDataset:
    """One sample per probe case, from the evaluation set of the paper's data.

    Every row of the evaluation set is eligible (the probes measure a judge, they fit nothing). The sample's input
    is the request; its metadata holds the case (probe, query, original, perturbed, partner, details) and, under
    ``response``, the text shown as its output.

    Args:
        probes: Families (``all``, ``length`` or names; see :func:`harness.probes.parse_probes`).
        n: Cases per family.
        settings: Stability knobs and the seed.
        data_dir: The paper's data folder; defaults to ``$GREETBENCH_DATA_DIR`` or a fetched copy.

    Raises:
        FileNotFoundError: No data folder is given or found (the probes need labelled greetings).
    """
    root = resolve_data_dir(data_dir)
    if root is None:
        raise FileNotFoundError(
            "judge_probes needs the paper's labelled evaluation set: pass data_dir, set GREETBENCH_DATA_DIR "
            "or run `greetbench data fetch`"
        )
    path = DataFiles(root).eval_set
    pool = ProbePool.from_rows(load_eval_set(path))
    cases = build_probe_cases(pool, probes, n, settings)
    return MemoryDataset(
        [_sample(case) for case in cases],
        name=f"judge-probes-seed{settings.seed}",
        location=f"{path}#sha256={sha256_file(path)}",
    )


def _sample(case: ProbeCase) -> Sample:
    return Sample(
        id=case.id,
        input=case.query,
        metadata={**case.to_metadata(), GIVEN_RESPONSE_KEY: case.shown},
    )
