"""A reward-model checkpoint folder: how it is found, and the errors when it cannot serve as a judge."""

from __future__ import annotations

from pathlib import Path


class RewardModelError(RuntimeError):
    """A checkpoint cannot serve as a judge: missing, not one-label, no threshold, or a bad threshold file."""


class RewardForwardError(RewardModelError):
    """The reward model could not score one pair (its forward raised with the pair alone, or was interrupted).

    The scorer turns it into ``Score.unscored`` for that sample only; the original error is the ``__cause__``.
    """


def checkpoint_dir(checkpoint: str | Path) -> Path:
    """Resolve a checkpoint folder and check it holds a ``config.json``.

    Raises:
        RewardModelError: It does not.
    """
    path = Path(checkpoint).expanduser().resolve()
    if not (path / "config.json").is_file():
        raise RewardModelError(f"{checkpoint}: not a model checkpoint folder (no config.json)")
    return path
