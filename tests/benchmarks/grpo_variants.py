"""The command line and loop that the GRPO side-by-side benchmarks share: each variant trains in one temporary
folder after another, in one process, with the load before and after it recorded."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any


def run_variants(
    description: str,
    variants: Mapping[str, Any],
    default_steps: int,
    run_variant: Callable[[str, int, Path], dict[str, Any]],
) -> tuple[argparse.Namespace, list[dict[str, Any]]]:
    """Parse ``--steps``, ``--variants`` (comma-separated names of ``variants``) and ``--out``, then run each chosen
    variant with ``run_variant(name, steps, folder)``, printing its result as a JSON line.

    Returns:
        The parsed arguments and the results, in order.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--steps", type=int, default=default_steps)
    parser.add_argument("--variants", default=",".join(variants))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    names = [n.strip() for n in args.variants.split(",") if n.strip()]
    unknown = [n for n in names if n not in variants]
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {', '.join(variants)}")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            load_before = os.getloadavg()[0]
            result = run_variant(name, args.steps, Path(folder))
            result["load_before"] = round(load_before, 2)
            result["load_after"] = round(os.getloadavg()[0], 2)
            results.append(result)
            print(json.dumps(result), flush=True)
    return args, results
