"""Writing all four outputs of a leaderboard into one folder, the JSON validated first."""

from __future__ import annotations

import json
from pathlib import Path

from harness.leaderboard.render.csv_out import to_csv
from harness.leaderboard.render.html_out import to_html
from harness.leaderboard.render.json_out import to_json
from harness.leaderboard.render.markdown import to_markdown
from harness.leaderboard.render.schema import validate_leaderboard
from harness.leaderboard.table import Leaderboard

OUTPUT_FILES = ("leaderboard.json", "leaderboard.csv", "leaderboard.md", "index.html")


def write_leaderboard(
    board: Leaderboard,
    out_dir: str | Path,
    sample_limit: int | None = None,
    viewer: str | None = None,
) -> dict[str, Path]:
    """Write the four outputs into ``out_dir`` (created); the JSON is validated against its schema first.

    Returns:
        Output name -> path.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = to_json(board, out)
    validate_leaderboard(data)
    texts = {
        "leaderboard.json": json.dumps(data, ensure_ascii=False, indent=2) + "\n",
        "leaderboard.csv": to_csv(board),
        "leaderboard.md": to_markdown(board, out),
        "index.html": to_html(board, out, sample_limit=sample_limit, viewer=viewer),
    }
    paths = {}
    for name, text in texts.items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        paths[name] = path
    return paths
