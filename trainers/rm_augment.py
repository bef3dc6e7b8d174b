"""Augmented preference pairs: a greeting beats the same greeting made worse by a training-side attack form.

A reward model trained on the paper's pairs learns that longer wins (96% of them choose the longer greeting), so
repeating a greeting, padding it or appending praise of itself buys reward. ``augment`` adds pairs whose rejected
side is a greeting of a training pair made worse by one of the **training** attack forms
(:func:`harness.probes.attack_forms` ``("train")``); the probes use only the held-out side, so they measure whether
the model learned the idea rather than the strings.

Three kinds of pair are dealt out in turn, each from a training pair (prompt, chosen, rejected):

- ``chosen > attacked rejected``: a bad greeting made longer must still lose to the good one (what the cut needs);
- ``rejected > attacked rejected``: and must not gain on its clean self;
- ``chosen > attacked chosen``: a good greeting gains nothing from the attack either.

Filler and empty words make only the first kind (:data:`FAMILY_KINDS`).

Families are dealt out in turn too, and the form within a family is drawn, all from one string-seeded generator:
the same pairs, ratio and seed always give the same pairs on every machine.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.data import PreferencePair
from harness.probes import FAMILIES, attack_forms, split_record

KINDS = ("chosen_over_attacked_rejected", "rejected_over_attacked_rejected", "chosen_over_attacked_chosen")

FAMILY_KINDS: dict[str, tuple[str, ...]] = {"filler": KINDS[:1], "empty_words": KINDS[:1]}
"""Families that make only the first kind of pair. Stock blessings and intensifiers are the stuff of greetings the
labels call good (在这个特别的日子里, 祝你身体健康): teaching that they lower a greeting's own reward cost the judge
its agreement with the labels (measured in leaderboards/rm-recipes: with the second kind too, test AUC 0.914
against 0.939; with all three, 0.879), while the first kind already keeps a padded bad greeting below a good one."""


@dataclass
class AugmentReport:
    """What augmentation added.

    Attributes:
        ratio: Augmented pairs asked for per training pair.
        pairs: Augmented pairs made.
        by_family: Family -> pairs.
        by_kind: Kind (:data:`KINDS`) -> pairs.
        by_form: Form id -> pairs (every one a training-side form).
        skipped: Draws that changed nothing (the attacked text equalled its source) and were left out.
        split: The attack-form split (:func:`harness.probes.split_record`): what the training side was.
    """

    ratio: float
    pairs: int = 0
    by_family: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    by_form: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    split: dict[str, Any] = field(default_factory=split_record)


def augmented_pairs(
    pairs: Sequence[PreferencePair], ratio: float, seed: int
) -> tuple[list[PreferencePair], AugmentReport]:
    """``round(ratio * len(pairs))`` augmented pairs built from ``pairs`` with training-side forms.

    Args:
        pairs: The training pairs (after drops, filters and subsampling).
        ratio: Augmented pairs per training pair (0 makes none).
        seed: Seed of the draws.

    Returns:
        The augmented pairs (their ``line`` is the source pair's) and what was made.

    Raises:
        ValueError: A negative ratio, or a positive one with no pair to build from.
    """
    if ratio < 0:
        raise ValueError(f"augment must be 0 or more (pairs per training pair), got {ratio}")
    report = AugmentReport(ratio)
    wanted = round(ratio * len(pairs))
    if wanted == 0:
        return [], report
    usable = [p for p in pairs if p.chosen.strip() and p.rejected.strip() and p.chosen.strip() != p.rejected.strip()]
    if not usable:
        raise ValueError("augment needs training pairs with two different, non-empty greetings")
    forms = attack_forms("train")
    families = [name for name in FAMILIES if any(form.family == name for form in forms)]
    rng = random.Random(f"greetbench-augment:{seed}")
    order = rng.sample(range(len(usable)), len(usable))
    made: list[PreferencePair] = []
    families_made: Counter[str] = Counter()
    kinds_made: Counter[str] = Counter()
    forms_made: Counter[str] = Counter()
    for i in range(wanted):
        source = usable[order[i % len(order)]]
        family = families[i % len(families)]
        kinds = FAMILY_KINDS.get(family, KINDS)
        kind = kinds[(i // len(families)) % len(kinds)]
        form = rng.choice([f for f in forms if f.family == family])
        victim = source.chosen if kind == "chosen_over_attacked_chosen" else source.rejected
        attacked = form.apply(victim, source.prompt, rng)
        winner = source.rejected if kind == "rejected_over_attacked_rejected" else source.chosen
        if attacked.strip() == victim.strip():
            report.skipped += 1
            continue
        made.append(PreferencePair(source.prompt, winner.strip(), attacked, source.line))
        families_made[family] += 1
        kinds_made[kind] += 1
        forms_made[form.id] += 1
    report.pairs = len(made)
    report.by_family = dict(families_made)
    report.by_kind = dict(kinds_made)
    report.by_form = dict(forms_made)
    return made, report
