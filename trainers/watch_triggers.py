"""The watch's triggers: the reward hacks seen in greetbench's own GRPO runs, each tested on the held-out points.

Each trigger compares the newest watch point with the base policy's (the point taken before the first step), so a
slow drift is caught as surely as a jump:

- ``length_drift``: mean characters above the base policy's by more than this share (0.3: +30%). The RM-rewarded
  runs went from ~17 tokens to the 48-token cap.
- ``clipped``: the share of greetings cut off at the token limit above this.
- ``repetition``: the mean repeated-3-gram rate (:func:`harness.creativity.repeated_ngram_rate`) above the base
  policy's by more than this. A greeting appended to itself scores about 0.5.
- ``meta_text``: the share of greetings with meta text (the format reward's ``no_meta_text`` check: an opening such
  as 好的, a label such as 祝福语：, a chat role) above the base policy's by more than this.
- ``reward_without_quality``: the training reward rose by more than this since the first trained point while the
  watch judge's **length-controlled** score (:func:`harness.stats.length_controlled_means` over every point so far)
  did not rise by more than this over the base policy's. Needs a watch judge.

A trigger set to null is off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass
class WatchTriggers:
    """``watch_triggers:`` in a GRPO config: when a watch point counts as a hack (each None: off).

    Attributes:
        length_drift: Largest relative rise of mean characters over the base policy's.
        clipped: Largest share of greetings cut off at the token limit.
        repetition: Largest rise of the mean repeated-3-gram rate over the base policy's.
        meta_text: Largest rise of the share of greetings with meta text over the base policy's.
        reward_without_quality: Smallest change counted as a rise, of the training reward and of the watch judge's
            length-controlled score.
    """

    length_drift: float | None = 0.3
    clipped: float | None = 0.5
    repetition: float | None = 0.1
    meta_text: float | None = 0.25
    reward_without_quality: float | None = 0.02

    def __post_init__(self) -> None:
        """Every threshold is a non-negative number (or null)."""
        for name, value in vars(self).items():
            if value is not None and not value >= 0:
                raise ValueError(f"watch_triggers.{name} must be 0 or more (or null: off), got {value}")


class Point(Protocol):
    """What a trigger reads of a watch point (:class:`trainers.watch.WatchPoint`)."""

    step: int
    train_reward: float | None
    chars: float
    clipped: float
    repetition: float
    meta_text: float
    watch_lc: float | None


def fired_triggers(points: Sequence[Point], triggers: WatchTriggers) -> list[dict[str, Any]]:
    """The triggers the newest point fires against the base point (the first), each with its figures.

    Edge cases: fewer than two points fire nothing; ``reward_without_quality`` needs training rewards at two points
    and a length-controlled watch score at the base point and the newest.

    Returns:
        One ``{"trigger", "message", ...figures}`` per trigger fired, in the order of :class:`WatchTriggers`.
    """
    if len(points) < 2:
        return []
    base, now = points[0], points[-1]
    fired: list[dict[str, Any]] = []

    def fire(trigger: str, message: str, **figures: float) -> None:
        rounded = {key: round(value, 4) for key, value in figures.items()}
        fired.append({"trigger": trigger, "message": f"{message} (steps {base.step} to {now.step})", **rounded})

    if triggers.length_drift is not None and base.chars > 0:
        drift = now.chars / base.chars - 1
        if drift > triggers.length_drift:
            fire(
                "length_drift",
                f"mean length {now.chars:.1f} chars is {drift:+.0%} on the base policy's {base.chars:.1f} "
                f"(limit {triggers.length_drift:+.0%})",
                base_chars=base.chars,
                chars=now.chars,
                drift=drift,
            )
    if triggers.clipped is not None and now.clipped > triggers.clipped:
        fire(
            "clipped",
            f"{now.clipped:.0%} of greetings hit the token limit (limit {triggers.clipped:.0%})",
            clipped=now.clipped,
        )
    rises = (
        ("repetition", "mean repeated 3-gram rate {:.3f}", "{:.3f}"),
        ("meta_text", "meta text in {:.0%} of greetings", "{:.0%}"),
    )
    for name, shown, unit in rises:
        limit, before, after = getattr(triggers, name), getattr(base, name), getattr(now, name)
        if limit is not None and after - before > limit:
            message = f"{shown.format(after)} against the base policy's {unit.format(before)}"
            fire(name, f"{message} (limit +{unit.format(limit)})", **{f"base_{name}": before, name: after})
    delta = triggers.reward_without_quality
    trained = [p for p in points if p.train_reward is not None]
    if delta is not None and len(trained) >= 2 and trained[-1] is now and None not in (base.watch_lc, now.watch_lc):
        train_rise = now.train_reward - trained[0].train_reward  # type: ignore[operator]
        quality_rise = now.watch_lc - base.watch_lc  # type: ignore[operator]
        if train_rise > delta and quality_rise <= delta:
            fire(
                "reward_without_quality",
                f"training reward rose {train_rise:+.3f} while the watch judge's length-controlled score moved "
                f"{quality_rise:+.3f}",
                train_rise=train_rise,
                watch_lc_rise=quality_rise,
            )
    return fired
