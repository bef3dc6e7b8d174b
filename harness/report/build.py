"""Write a judge report: ``cards/<card>.md``, ``cards/<card>.json``, ``cards/<card>_length.png`` and ``index.md``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.json_ready import json_ready
from harness.report.cards import build_card, card_specs, plot_arrays
from harness.report.logs import read_report_logs
from harness.report.markdown import card_markdown, index_markdown
from harness.report.plots import plot_length
from harness.report.relative import RELATIVE_TO, relative_path, relative_paths
from harness.report.table import agreement_table
from harness.stats import DEFAULT_RESAMPLES, DEFAULT_SEED

DEFAULT_OUT = "reports"


@dataclass(frozen=True)
class JudgeReport:
    """What :func:`write_judge_report` wrote.

    Attributes:
        out: The report folder.
        index: ``index.md``.
        cards: The card dicts, in index order.
        files: Every file written.
        skipped: ``(log location, why)`` for logs given but not used.
    """

    out: Path
    index: Path
    cards: tuple[dict[str, Any], ...]
    files: tuple[Path, ...]
    skipped: tuple[tuple[str, str], ...]


def write_judge_report(
    logs: Iterable[str | Path],
    out: str | Path = DEFAULT_OUT,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> JudgeReport:
    """Read agreement and probe logs and write one reliability card per judge, and an index.

    Args:
        logs: Log files and folders (searched recursively); only ``greetbench/judge_agreement`` and
            ``greetbench/judge_probes`` logs are used, others are listed as skipped.
        out: The report folder (created; existing cards of the same names are replaced). Every path a card or the
            index names (logs, data folder, checkpoints) is written relative to it.
        n_resamples: Bootstrap resamples per slice.
        seed: Bootstrap seed.

    Returns:
        What was written.

    Raises:
        FileNotFoundError: A path does not exist.
        ValueError: No agreement log among the paths (nothing to report).
    """
    found = read_report_logs(logs)
    if not found.agreement:
        reasons = "; ".join(f"{loc}: {why}" for loc, why in found.skipped) or "no logs found"
        raise ValueError(f"no successful greetbench/judge_agreement log to report on ({reasons})")
    table = agreement_table(found.agreement)
    out = Path(out)
    cards_dir = out / "cards"
    cards_dir.mkdir(parents=True, exist_ok=True)
    cards, files = [], []
    for spec in card_specs(found.agreement):
        card = json_ready(build_card(spec, table, found.probes, n_resamples=n_resamples, seed=seed))
        card = relative_paths(card, out)
        card["provenance"]["paths_relative_to"] = RELATIVE_TO
        json_path = cards_dir / f"{spec.key}.json"
        json_path.write_text(json.dumps(card, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
        md_path = cards_dir / f"{spec.key}.md"
        md_path.write_text(card_markdown(card), encoding="utf-8")
        arrays = plot_arrays(table, spec)
        threshold = card["provenance"]["log"]["judge_score_metadata"].get("threshold")
        png = plot_length(
            cards_dir / card["plot"],
            arrays["length"],
            arrays["label"],
            arrays["verdict"],
            arrays["score"],
            threshold=threshold if isinstance(threshold, int | float) else None,
            title=f"{spec.judge} ({spec.key}), {card['split']} split",
        )
        cards.append(card)
        files += [md_path, json_path, png]
    index = out / "index.md"
    skipped = tuple((relative_path(location, out), why) for location, why in found.skipped)
    index.write_text(index_markdown(cards, skipped), encoding="utf-8")
    files.append(index)
    return JudgeReport(out, index, tuple(cards), tuple(files), skipped)
