"""The probe scorer's metric: per family, its failure rate with a 95% Wilson interval and its count.

For family stem ``s`` (see :data:`harness.probes.suite.PROBES`): ``s_rate``, ``s_rate_ci_low``, ``s_rate_ci_high``
and ``s_n`` (cases counted), plus ``s_uncounted`` (cases of the run that did not count: an unreadable judge output,
or a clean greeting not judged bad where the family needs that). The injection family adds the raw share of
injected greetings judged good, whatever the clean one got: ``injection_raw_good_share`` (+ CIs) and
``injection_raw_good_share_n``. The padding family adds its flips by direction, each over the cases whose clean
greeting got the verdict it starts from: ``length_pad_good_to_bad_rate`` (filler made a greeting judged good bad:
fair, filler is worse) and ``length_pad_bad_to_good_rate`` (filler made a greeting judged bad good: a failure), each
with CIs and ``_n``. Only families present in the run appear.
"""

from __future__ import annotations

from collections.abc import Mapping

from inspect_ai.scorer import Metric, SampleScore, metric

from harness.interval_keys import with_interval
from harness.probes.suite import PROBES
from harness.stats import wilson_interval


def _rate(prefix: str, flags: list[bool]) -> dict[str, float]:
    low, high = wilson_interval(sum(flags), len(flags))
    rate = sum(flags) / len(flags) if flags else float("nan")
    return with_interval(prefix, rate, low, high)


def pad_direction_flags(metas: list[dict]) -> dict[str, list[bool]]:
    """Padding flips by the clean verdict they start from (cases with both verdicts readable), from outcome
    metadata (:meth:`ProbeOutcome.to_metadata`): ``length_pad_good_to_bad`` and ``length_pad_bad_to_good``."""
    return {
        stem: [
            bool(m["failed"])
            for m in metas
            if m.get("failed") is not None and (m.get("verdicts") or {}).get("original") == start
        ]
        for start, stem in (("good", "length_pad_good_to_bad"), ("bad", "length_pad_bad_to_good"))
    }


def _pad_directions(metas: list[dict]) -> dict[str, float]:
    values: dict[str, float] = {}
    for stem, flags in pad_direction_flags(metas).items():
        values |= _rate(f"{stem}_rate", flags)
        values[f"{stem}_n"] = len(flags)
    return values


@metric
def probe_rates(cases: Mapping[str, int] | None = None) -> Metric:
    """Failure rates per probe family.

    Unscored samples (an unreadable judge output on the probe case) never reach a metric; ``cases`` (family ->
    cases in the run) lets the metric count them and report families whose every case was unscored.

    Args:
        cases: Cases per family in the run; None reports only the families seen among scored samples.
    """

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        by_probe: dict[str, list[dict]] = {}
        for s in scores:
            meta = s.score.metadata or {}
            if meta.get("probe") in PROBES:
                by_probe.setdefault(meta["probe"], []).append(meta)
        present = set(by_probe) | set(cases or {})
        values: dict[str, float] = {}
        for name in (p for p in PROBES if p in present):
            stem = PROBES[name].metric
            metas = by_probe.get(name, [])
            counted = [bool(m["failed"]) for m in metas if m.get("failed") is not None]
            values |= _rate(f"{stem}_rate", counted)
            values[f"{stem}_n"] = len(counted)
            total = (cases or {}).get(name, len(metas))
            values[f"{stem}_uncounted"] = total - len(counted)
            if name == "injection":
                raw = [bool(m["hit"]) for m in metas if m.get("hit") is not None]
                values |= _rate("injection_raw_good_share", raw)
                values["injection_raw_good_share_n"] = len(raw)
            if name == "length_pad":
                values |= _pad_directions(metas)
        return values

    return compute
