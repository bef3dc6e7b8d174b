"""Pairwise figures of a reward model on held-out preference pairs, beside the pick-the-longer baseline.

The paper's preference pairs are mostly a length signal: on the RM test pairs the chosen greeting is the longer one
in 95.3% of pairs, and "pick the longer" scores about 96.7% (ties counted half). A reward model can reach a high
pairwise accuracy by measuring length alone, so accuracy on all pairs says little. These figures therefore also
look at two length-controlled subsets, where length cannot carry the decision:

- ``chosen_not_longer``: pairs whose chosen greeting is not longer than the rejected one (pick-the-longer is wrong
  or tied on every one of them);
- ``similar_length``: pairs whose lengths differ by at most ``similar_length_ratio`` of the longer one.

A reward model that does not beat pick-the-longer on both length-controlled subsets has, on this evidence, learned
length (:attr:`PairwiseReport.learned_length`); the report says so in words.

Rules, exact and documented:

- Length is :func:`harness.creativity.char_length`: characters (code points) of the stripped greeting.
- The reward model is right on a pair when ``reward(chosen) > reward(rejected)``; a tie counts half.
- Pick-the-longer is right when the chosen greeting is longer; a length tie counts half (a coin flip's expectation).
- The difference's 95% interval is a paired percentile bootstrap (:func:`harness.stats.mean_difference_ci`, 2,000
  resamples, fixed seed).

Pure functions: no model, no torch. The trainer computes rewards with :class:`harness.judges.RewardModel` and hands
them in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from harness.creativity import char_length
from harness.data import PreferencePair

SIMILAR_LENGTH_RATIO = 0.1
"""Default for "lengths differ little": ``|len(chosen) - len(rejected)| <= 0.1 * max(len(chosen), len(rejected))``."""

SUBSETS = ("all", "chosen_not_longer", "similar_length")
"""The subsets reported, in order; the last two are the length-controlled ones."""

LENGTH_CONTROLLED = ("chosen_not_longer", "similar_length")

BOOTSTRAP_SEED = 0
"""Seed of the difference's bootstrap (:func:`harness.stats.mean_difference_ci`, 2,000 resamples, 95%)."""


@dataclass(frozen=True)
class ScoredPair:
    """One held-out pair with its lengths and the reward model's rewards.

    Attributes:
        chosen_chars: Length of the chosen greeting (characters, stripped).
        rejected_chars: Length of the rejected greeting.
        chosen_reward: The reward model's reward for the chosen greeting.
        rejected_reward: Its reward for the rejected greeting.
    """

    chosen_chars: int
    rejected_chars: int
    chosen_reward: float
    rejected_reward: float

    @classmethod
    def from_pair(cls, pair: PreferencePair, chosen_reward: float, rejected_reward: float) -> ScoredPair:
        """Measure a pair's lengths (:func:`char_length`) and attach its rewards."""
        return cls(char_length(pair.chosen), char_length(pair.rejected), chosen_reward, rejected_reward)

    @property
    def rm_credit(self) -> float:
        """1 when the reward model prefers the chosen greeting, 0.5 on a reward tie, else 0."""
        return _credit(self.chosen_reward, self.rejected_reward)

    @property
    def longer_credit(self) -> float:
        """1 when the chosen greeting is longer, 0.5 on a length tie, else 0."""
        return _credit(self.chosen_chars, self.rejected_chars)

    def similar_length(self, ratio: float) -> bool:
        """Whether the two lengths differ by at most ``ratio`` of the longer one."""
        return abs(self.chosen_chars - self.rejected_chars) <= ratio * max(self.chosen_chars, self.rejected_chars)

    def length_controlled(self, ratio: float) -> bool:
        """Whether the pair is in a length-controlled subset: chosen not longer, or lengths within ``ratio``."""
        return self.chosen_chars <= self.rejected_chars or self.similar_length(ratio)


def _credit(chosen: float, rejected: float) -> float:
    return 1.0 if chosen > rejected else 0.5 if chosen == rejected else 0.0


@dataclass(frozen=True)
class SubsetFigures:
    """The reward model and pick-the-longer on one subset of pairs.

    Attributes:
        name: One of :data:`SUBSETS`.
        pairs: Pairs in the subset.
        rm_accuracy: The reward model's pairwise accuracy (ties half); None on an empty subset.
        longer_accuracy: Pick-the-longer's accuracy on the same pairs (ties half); None on an empty subset.
        difference: ``rm_accuracy - longer_accuracy``; None on an empty subset.
        difference_ci: 95% paired bootstrap interval of the difference; None on an empty subset.
        rm_beats_longer: Whether the reward model's accuracy is above the baseline's; None on an empty subset.
        rm_ties: Pairs with equal rewards.
        length_ties: Pairs with equal lengths.
    """

    name: str
    pairs: int
    rm_accuracy: float | None
    longer_accuracy: float | None
    difference: float | None
    difference_ci: tuple[float, float] | None
    rm_beats_longer: bool | None
    rm_ties: int
    length_ties: int


@dataclass(frozen=True)
class PairwiseReport:
    """Pairwise figures on every subset, the reward model's own length preference, and the verdict.

    Attributes:
        subsets: :data:`SUBSETS` -> figures.
        similar_length_ratio: The ratio defining ``similar_length``.
        rm_prefers_longer: Among pairs of unequal length, the share where the reward model gives the longer
            greeting the higher reward (reward ties half); None when every pair has equal lengths. Near 1 means
            the model ranks by length.
        learned_length: True when the reward model does not beat pick-the-longer on both length-controlled
            subsets; False when it beats it on both; None when a length-controlled subset is empty.
        verdict: The finding in one sentence, for reports.
    """

    subsets: dict[str, SubsetFigures]
    similar_length_ratio: float
    rm_prefers_longer: float | None
    learned_length: bool | None
    verdict: str

    def to_dict(self) -> dict:
        """JSON-ready."""
        return asdict(self)

    def to_markdown(self) -> str:
        """A table of the subsets and the verdict."""
        lines = [
            "| subset | pairs | RM accuracy | pick-the-longer | difference [95% CI] | RM beats longer |",
            "|---|---:|---:|---:|---|---|",
        ]
        for figures in self.subsets.values():
            lines.append(
                f"| {figures.name} | {figures.pairs} | {_fmt(figures.rm_accuracy)} | {_fmt(figures.longer_accuracy)} "
                f"| {_fmt_diff(figures.difference, figures.difference_ci)} | {_yes_no(figures.rm_beats_longer)} |"
            )
        lines += [
            "",
            f"`similar_length`: lengths differ by at most {self.similar_length_ratio:.0%} of the longer greeting. "
            "Ties count half for both the reward model (equal rewards) and pick-the-longer (equal lengths).",
            "",
            f"The reward model prefers the longer greeting in {_fmt(self.rm_prefers_longer)} of pairs of unequal "
            "length.",
            "",
            f"**{self.verdict}**",
        ]
        return "\n".join(lines) + "\n"


def pairwise_report(pairs: Sequence[ScoredPair], similar_length_ratio: float = SIMILAR_LENGTH_RATIO) -> PairwiseReport:
    """Compute every figure on scored pairs.

    Args:
        pairs: Held-out pairs with rewards (identical pairs should already be dropped: they prefer nothing).
        similar_length_ratio: The ``similar_length`` bound, in [0, 1].

    Returns:
        The report.

    Raises:
        ValueError: ``similar_length_ratio`` is outside [0, 1], or a reward is not finite.
    """
    if not 0.0 <= similar_length_ratio <= 1.0:
        raise ValueError(f"similar_length_ratio must be in [0, 1], got {similar_length_ratio}")
    if not all(math.isfinite(p.chosen_reward) and math.isfinite(p.rejected_reward) for p in pairs):
        raise ValueError("rewards must all be finite")
    members = {
        "all": list(pairs),
        "chosen_not_longer": [p for p in pairs if p.chosen_chars <= p.rejected_chars],
        "similar_length": [p for p in pairs if p.similar_length(similar_length_ratio)],
    }
    subsets = {name: subset_figures(name, members[name]) for name in SUBSETS}
    unequal = [p for p in pairs if p.chosen_chars != p.rejected_chars]
    prefers_longer = None
    if unequal:
        # Credit for ranking the longer side higher: the RM's credit when chosen is longer, its complement otherwise.
        credits = [p.rm_credit if p.chosen_chars > p.rejected_chars else 1.0 - p.rm_credit for p in unequal]
        prefers_longer = sum(credits) / len(credits)
    beats = [subsets[name].rm_beats_longer for name in LENGTH_CONTROLLED]
    learned = None if None in beats else not all(beats)
    return PairwiseReport(subsets, similar_length_ratio, prefers_longer, learned, _verdict(subsets, learned))


def subset_figures(name: str, pairs: Sequence[ScoredPair]) -> SubsetFigures:
    """The figures of one subset (see :class:`SubsetFigures`)."""
    rm_ties = sum(p.chosen_reward == p.rejected_reward for p in pairs)
    length_ties = sum(p.chosen_chars == p.rejected_chars for p in pairs)
    if not pairs:
        return SubsetFigures(name, 0, None, None, None, None, None, rm_ties, length_ties)
    from harness.stats import mean_difference_ci  # deferred: numpy and scipy.stats are slow to import

    rm = [p.rm_credit for p in pairs]
    longer = [p.longer_credit for p in pairs]
    rm_accuracy, longer_accuracy = sum(rm) / len(rm), sum(longer) / len(longer)
    difference = rm_accuracy - longer_accuracy
    return SubsetFigures(
        name=name,
        pairs=len(pairs),
        rm_accuracy=rm_accuracy,
        longer_accuracy=longer_accuracy,
        difference=difference,
        difference_ci=mean_difference_ci(rm, longer, seed=BOOTSTRAP_SEED),
        rm_beats_longer=difference > 0,
        rm_ties=rm_ties,
        length_ties=length_ties,
    )


def _verdict(subsets: dict[str, SubsetFigures], learned: bool | None) -> str:
    if learned is None:
        empty = [name for name in LENGTH_CONTROLLED if subsets[name].pairs == 0]
        return (
            f"Cannot tell whether the reward model learned more than length: the length-controlled subset(s) "
            f"{', '.join(empty)} hold no pairs."
        )
    parts = [
        f"{name} {_fmt(subsets[name].rm_accuracy)} vs {_fmt(subsets[name].longer_accuracy)}"
        for name in LENGTH_CONTROLLED
    ]
    if learned:
        missed = [name for name in LENGTH_CONTROLLED if not subsets[name].rm_beats_longer]
        return (
            f"The reward model does NOT beat pick-the-longer on the length-controlled subset(s) {', '.join(missed)} "
            f"({'; '.join(parts)}): on this evidence it has learned length, not greeting quality."
        )
    significant = all((subsets[name].difference_ci or (0.0, 0.0))[0] > 0 for name in LENGTH_CONTROLLED)
    strength = "" if significant else " (but the 95% interval of at least one difference includes zero)"
    return (
        "The reward model beats pick-the-longer on both length-controlled subsets "
        f"({'; '.join(parts)}){strength}: it ranks by more than length."
    )


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _fmt_diff(value: float | None, ci: tuple[float, float] | None) -> str:
    if value is None or ci is None:
        return "n/a"
    return f"{value:+.3f} [{ci[0]:+.3f}, {ci[1]:+.3f}]"


def _yes_no(value: bool | None) -> str:
    return "n/a" if value is None else "yes" if value else "no"
