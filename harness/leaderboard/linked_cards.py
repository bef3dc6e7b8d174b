"""The reliability cards an existing board links, so that a rebuild without ``--cards`` keeps them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from harness.leaderboard.logs import RunConfig
from harness.leaderboard.table import Group

BOARD_JSON = "leaderboard.json"


def linked_cards(board_dir: str | Path, groups: Sequence[Group]) -> dict[str, dict[str, Path]]:
    """Card files the ``leaderboard.json`` in ``board_dir`` links, for the groups that are still there.

    A group is still there when its comparability key (task, prompts, judge models, principles) is unchanged; a
    link is kept when its judge is still one of the group's and the file still exists. An absent or unreadable
    ``leaderboard.json`` links nothing.

    Args:
        board_dir: The folder of the board being rebuilt (card links in its JSON are relative to it).
        groups: The groups of the new build.

    Returns:
        Group id -> judge -> card file, as :class:`~harness.leaderboard.table.Leaderboard` keeps them.
    """
    folder = Path(board_dir)
    try:
        data = json.loads((folder / BOARD_JSON).read_text(encoding="utf-8"))
        previous = {
            RunConfig.from_dict(group["config"]).comparability_key(): {
                judge["name"]: folder / judge["card"] for judge in group["judges"] if judge.get("card")
            }
            for group in data["groups"]
        }
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    kept: dict[str, dict[str, Path]] = {}
    for group in groups:
        links = previous.get(group.config.comparability_key(), {})
        kept[group.id] = {judge: card for judge, card in links.items() if judge in group.judges and card.is_file()}
    return kept
