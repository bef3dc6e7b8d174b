"""Reliability cards: every agreement figure of one judge, beside the length rule on the same rows, as a dict.

One card per (judge, run): a judge scored in several agreement logs gets one card per distinguishing trait (split,
judge model, principles, reward-model checkpoint) that differs between them; among logs that do not differ in
any trait relevant to that judge, the most recent wins and the others are listed as superseded.

One idea per module: :mod:`.specs` (which cards, run traits), :mod:`.figures` (a slice's figures),
:mod:`.calibration` (the P(good) threshold), :mod:`.probes` (the probe section), :mod:`.provenance` (where the
figures come from), :mod:`.card` (the whole card and its plot arrays). Every public name is re-exported here.
"""

from harness.report.cards.calibration import (
    CALIBRATION_METHOD,
    calibration_fit,
)
from harness.report.cards.card import (
    CARD_VERSION,
    CLEAN_SLICE_NOTE,
    build_card,
    plot_arrays,
)
from harness.report.cards.probes import (
    probe_metrics,
    probe_section,
)
from harness.report.cards.specs import (
    ALL_TRAITS,
    RM_IDENTITY_CHARS,
    TRAITS_BY_JUDGE,
    CardSpec,
    card_specs,
    run_traits,
)

__all__ = [
    "ALL_TRAITS",
    "CALIBRATION_METHOD",
    "CARD_VERSION",
    "CLEAN_SLICE_NOTE",
    "CardSpec",
    "RM_IDENTITY_CHARS",
    "TRAITS_BY_JUDGE",
    "build_card",
    "calibration_fit",
    "card_specs",
    "plot_arrays",
    "probe_metrics",
    "probe_section",
    "run_traits",
]
