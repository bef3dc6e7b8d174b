"""greetbench's statistics, one idea a module; the public names are re-exported here.

- :mod:`~harness.stats.arrays`: how rows reach the statistics (0/1/None inputs, undefined figures as NaN/None).
- :mod:`~harness.stats.figures`: accuracy, precision, recall, F1, Cohen's kappa, MCC and AUC, vectorised.
- :mod:`~harness.stats.bootstrap`: paired (and cluster) percentile bootstrap shared by every figure and rater.
- :mod:`~harness.stats.agreement`: a judge's figures with intervals, alone or against a baseline.
- :mod:`~harness.stats.strata`: the figures inside length quintiles.
- :mod:`~harness.stats.intervals`: the Wilson interval of a proportion (pure Python).
- :mod:`~harness.stats.cuts`: accuracy-maximising cuts (length rule, reward-model and P(good) thresholds).
- :mod:`~harness.stats.logistic`: logistic regression, plain and ridge-penalised (per-group intercepts).
- :mod:`~harness.stats.length_control`: what verdicts say once length is accounted for.

Names load on first use (PEP 562), so ``from harness.stats import wilson_interval`` imports neither numpy nor
scipy: the data layer and the leaderboard's log reading stay light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.stats.agreement import (
        DIFFERENCE_FIGURES,
        AgreementFigures,
        Estimate,
        PairedDifference,
        agreement_figures,
        paired_difference,
    )
    from harness.stats.bootstrap import (
        BOOTSTRAP_METHOD,
        DEFAULT_RESAMPLES,
        DEFAULT_SEED,
        MAX_UNDEFINED_SHARE,
        cluster_codes,
        mean_difference_ci,
    )
    from harness.stats.cuts import best_split, cut_accuracy, fit_integer_threshold, fit_threshold
    from harness.stats.figures import (
        FIGURES,
        accuracy,
        cohen_kappa,
        confusion_counts,
        f1_score,
        matthews_corrcoef,
        precision,
        recall,
        roc_auc,
    )
    from harness.stats.intervals import CONFIDENCE, wilson_interval
    from harness.stats.length_control import (
        LengthControl,
        LengthControlled,
        length_controlled,
        length_controlled_means,
        length_controlled_rates,
    )
    from harness.stats.logistic import fit_logistic, fit_ridge_logistic_by_group
    from harness.stats.strata import (
        STRATA,
        LengthStratum,
        WithinStrataAuc,
        length_edges,
        length_strata,
        within_strata_auc,
    )

__all__ = [
    "BOOTSTRAP_METHOD",
    "CONFIDENCE",
    "DEFAULT_RESAMPLES",
    "DEFAULT_SEED",
    "DIFFERENCE_FIGURES",
    "FIGURES",
    "MAX_UNDEFINED_SHARE",
    "STRATA",
    "AgreementFigures",
    "Estimate",
    "LengthControl",
    "LengthControlled",
    "LengthStratum",
    "WithinStrataAuc",
    "PairedDifference",
    "accuracy",
    "agreement_figures",
    "best_split",
    "cluster_codes",
    "cohen_kappa",
    "confusion_counts",
    "cut_accuracy",
    "f1_score",
    "fit_integer_threshold",
    "fit_logistic",
    "fit_ridge_logistic_by_group",
    "fit_threshold",
    "length_controlled",
    "length_controlled_means",
    "length_controlled_rates",
    "length_edges",
    "length_strata",
    "matthews_corrcoef",
    "mean_difference_ci",
    "paired_difference",
    "precision",
    "recall",
    "roc_auc",
    "wilson_interval",
    "within_strata_auc",
]

_MODULES = ("intervals", "cuts", "figures", "bootstrap", "agreement", "strata", "logistic", "length_control")
"""Where the names live, lightest first: a name is looked up in each in turn, so the pure-Python ones load alone."""


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (and keep it here)."""
    if name in __all__:
        for module_name in _MODULES:
            module = importlib.import_module(f"{__name__}.{module_name}")
            if name in vars(module):
                globals()[name] = vars(module)[name]
                return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
