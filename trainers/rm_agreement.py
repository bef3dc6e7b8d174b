"""A reward model's thresholded verdicts on the eval set's test split, beside the length rule, and what it memorised.

Both raters are fitted on the dev side of the split (:func:`harness.data.split_eval_set`) and measured on its test
side: the reward model's cut by :func:`harness.stats.fit_threshold`, the length rule's by
:func:`harness.judges.baselines.fit_length_threshold`. Figures (accuracy, kappa, AUC of the raw score, ...) come
from :func:`harness.stats.agreement_figures` with 95% bootstrap intervals; the accuracy difference (RM minus
length rule) has a paired bootstrap interval over the same rows (:func:`harness.stats.mean_difference_ci`).

**Memorisation.** 989 of the 1,004 upstream good eval rows are verbatim RM-train chosen greetings, so a reward model
can score well on them by recalling its training text. :func:`memorisation_split` groups the test rows by whether
their greeting (compared after ``strip()``, whatever the query) is

- ``trained_chosen``: the chosen side of a pair the model trained on;
- ``trained_rejected``: the rejected side of a pair it trained on;
- ``rm_train_unused``: a greeting of the RM-train file that the run did not train on (a subset was taken);
- ``unseen``: none of these;

and gives each group's size, label mix and both raters' accuracy. A model that recalls rather than judges is far
better on ``trained_*`` than on the rest.

Pure functions over rows and rewards: no model, no torch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from harness.creativity import char_length
from harness.data import LabelledGreeting, PreferencePair
from harness.data.checks import match_key

GROUPS = ("trained_chosen", "trained_rejected", "rm_train_unused", "unseen")
"""The memorisation groups, in the order a row is assigned to the first that matches."""


@dataclass(frozen=True)
class GroupFigures:
    """Both raters on one memorisation group of test rows.

    Attributes:
        name: One of :data:`GROUPS`.
        rows: Test rows in the group.
        good: Of which labelled good.
        rm_accuracy: The reward model's thresholded accuracy (None for no rows).
        length_accuracy: The length rule's accuracy on the same rows (None for no rows).
    """

    name: str
    rows: int
    good: int
    rm_accuracy: float | None
    length_accuracy: float | None


def memorisation_split(
    rows: Sequence[LabelledGreeting],
    rm_correct: Sequence[bool],
    length_correct: Sequence[bool],
    trained: Sequence[PreferencePair],
    rm_train_file: Sequence[PreferencePair],
) -> dict[str, GroupFigures]:
    """Group test rows by whether the model trained on their greeting (see the module docstring).

    Args:
        rows: The test rows.
        rm_correct: Whether the reward model's verdict matched each row's label.
        length_correct: Whether the length rule's did.
        trained: The pairs the model trained on.
        rm_train_file: Every pair of the RM-train file (after the trainer's drops), for ``rm_train_unused``.

    Returns:
        :data:`GROUPS` -> figures.
    """
    chosen = {match_key(p.chosen) for p in trained}
    rejected = {match_key(p.rejected) for p in trained}
    in_file = {match_key(p.chosen) for p in rm_train_file} | {match_key(p.rejected) for p in rm_train_file}
    members: dict[str, list[int]] = {name: [] for name in GROUPS}
    for i, row in enumerate(rows):
        key = match_key(row.response)
        group = (
            "trained_chosen"
            if key in chosen
            else "trained_rejected"
            if key in rejected
            else "rm_train_unused"
            if key in in_file
            else "unseen"
        )
        members[group].append(i)
    return {
        name: GroupFigures(
            name,
            len(index),
            sum(rows[i].label == 1 for i in index),
            _share([rm_correct[i] for i in index]),
            _share([length_correct[i] for i in index]),
        )
        for name, index in members.items()
    }


def _share(flags: Sequence[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


@dataclass(frozen=True)
class EvalSetReport:
    """The reward model and the length rule on the test split, both fitted on dev.

    Attributes:
        threshold: The reward cut fitted on dev.
        dev_rows: Rows it was fitted on.
        dev_accuracy: Its accuracy there.
        length_threshold: The length rule's cut (characters) fitted on the same dev rows.
        test_rows: Test rows measured.
        rm: :func:`harness.stats.agreement_figures` of the reward model (``to_dict``), AUC from raw rewards.
        length: The same for the length rule, AUC from lengths.
        accuracy_difference: RM minus length-rule accuracy on the test rows.
        accuracy_difference_ci: Its 95% paired bootstrap interval.
        memorisation: :func:`memorisation_split` (``to_dict`` of each group).
    """

    threshold: float
    dev_rows: int
    dev_accuracy: float
    length_threshold: int
    test_rows: int
    rm: dict[str, Any]
    length: dict[str, Any]
    accuracy_difference: float
    accuracy_difference_ci: tuple[float, float]
    memorisation: dict[str, dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)

    def to_markdown(self) -> str:
        """A table of both raters, the difference, and the memorisation groups."""
        lines = [
            f"Reward cut {self.threshold:.6g} (dev accuracy {self.dev_accuracy:.4f} on {self.dev_rows} dev rows); "
            f"length rule: good iff at least {self.length_threshold} characters (fitted on the same dev rows). "
            f"{self.test_rows} test rows; 95% bootstrap intervals.",
            "",
            "| rater | accuracy | kappa | AUC |",
            "|---|---|---|---|",
        ]
        for name, figures in (("reward model", self.rm), ("length rule", self.length)):
            cells = [_estimate(figures["figures"].get(key)) for key in ("accuracy", "kappa", "auc")]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        low, high = self.accuracy_difference_ci
        lines += [
            "",
            f"Accuracy, reward model minus length rule: {self.accuracy_difference:+.3f} [{low:+.3f}, {high:+.3f}].",
            "",
            "Memorisation: test rows grouped by whether the run trained on their greeting.",
            "",
            "| group | rows | labelled good | RM accuracy | length-rule accuracy |",
            "|---|---:|---:|---:|---:|",
        ]
        for group in self.memorisation.values():
            lines.append(
                f"| {group['name']} | {group['rows']} | {group['good']} | {_fmt(group['rm_accuracy'])} "
                f"| {_fmt(group['length_accuracy'])} |"
            )
        return "\n".join(lines) + "\n"


def eval_set_report(
    dev: Sequence[LabelledGreeting],
    dev_rewards: Sequence[float],
    test: Sequence[LabelledGreeting],
    test_rewards: Sequence[float],
    trained: Sequence[PreferencePair],
    rm_train_file: Sequence[PreferencePair],
    *,
    n_resamples: int = 2000,
) -> EvalSetReport:
    """Fit both raters on dev, measure them on test, split the test rows by memorisation.

    Raises:
        ValueError: Lengths disagree, dev holds one label only, or a reward is not finite.
    """
    from harness.judges.baselines import fit_length_threshold
    from harness.stats import agreement_figures, cut_accuracy, fit_threshold, mean_difference_ci
    from trainers.rm_eval import BOOTSTRAP_SEED

    if len(dev) != len(dev_rewards) or len(test) != len(test_rewards):
        raise ValueError("one reward per row is needed")
    if not all(math.isfinite(r) for r in [*dev_rewards, *test_rewards]):
        raise ValueError("rewards must all be finite")
    dev_labels = [row.label for row in dev]
    if len(set(dev_labels)) < 2:
        raise ValueError("the dev rows hold one label only; a cut fitted there separates nothing")
    cut = fit_threshold(list(dev_rewards), dev_labels)
    length_cut = fit_length_threshold(list(dev))
    labels = [row.label for row in test]
    lengths = [char_length(row.response) for row in test]
    rm_verdicts = [int(r >= cut) for r in test_rewards]
    length_verdicts = [int(n >= length_cut) for n in lengths]
    rm_correct = [v == y for v, y in zip(rm_verdicts, labels, strict=True)]
    length_correct = [v == y for v, y in zip(length_verdicts, labels, strict=True)]
    rm = agreement_figures(rm_verdicts, labels, list(test_rewards), n_resamples=n_resamples)
    length = agreement_figures(length_verdicts, labels, lengths, n_resamples=n_resamples)
    difference = (sum(rm_correct) - sum(length_correct)) / len(test) if test else math.nan
    ci = (
        mean_difference_ci([float(c) for c in rm_correct], [float(c) for c in length_correct], seed=BOOTSTRAP_SEED)
        if test
        else (
            math.nan,
            math.nan,
        )
    )
    groups = memorisation_split(test, rm_correct, length_correct, trained, rm_train_file)
    return EvalSetReport(
        threshold=cut,
        dev_rows=len(dev),
        dev_accuracy=cut_accuracy(list(dev_rewards), dev_labels, cut),
        length_threshold=length_cut,
        test_rows=len(test),
        rm=rm.to_dict(),
        length=length.to_dict(),
        accuracy_difference=difference,
        accuracy_difference_ci=ci,
        memorisation={name: asdict(group) for name, group in groups.items()},
    )


def _estimate(data: dict[str, Any] | None) -> str:
    if not data or data.get("value") is None:
        return "n/a"
    text = f"{data['value']:.3f}"
    if data.get("ci_low") is not None and data.get("ci_high") is not None:
        text += f" [{data['ci_low']:.3f}, {data['ci_high']:.3f}]"
    return text


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
