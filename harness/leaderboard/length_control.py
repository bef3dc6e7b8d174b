"""Length-controlled excellence rates on the board: each model's rate read at the group's median greeting length.

The model and its bootstrap are :func:`harness.stats.length_controlled_rates`; this module reads the points from
the logs and writes the ``<judge>_lc`` columns, per comparability group and per judge.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from harness.interval_keys import interval_keys
from harness.stats import length_controlled_rates

LC_SUFFIX = "_lc"
"""A judge's length-controlled rate is the column ``<judge>_lc`` (with ``_lc_ci_low`` and ``_lc_ci_high``)."""


def greeting_points(samples: Sequence[Any], judge: str) -> list[tuple[int, bool]]:
    """(length in characters, judged good) of each greeting ``judge`` scored in a run's samples.

    The length is the creativity scorer's own count where the log has it, else the recorded output's length;
    unscored greetings (NaN) are left out.
    """
    from harness.creativity import char_length
    from harness.leaderboard.logs import CREATIVITY

    points = []
    for sample in samples:
        value = sample.scores.get(judge, (None,))[0]
        if not isinstance(value, float) or math.isnan(value):
            continue
        creativity = sample.scores.get(CREATIVITY, (None,))[0]
        chars = creativity.get("length") if isinstance(creativity, dict) else None
        points.append((int(chars) if isinstance(chars, int | float) else char_length(sample.output), value >= 0.5))
    return points


def add_length_controlled_columns(
    rows: Sequence[dict[str, Any]], samples: Mapping[int, Sequence[Any]], judges: Sequence[str], null_rows: set[int]
) -> None:
    """Add ``<judge>_lc``, ``_lc_ci_low`` and ``_lc_ci_high`` to the rows of one comparability group, in place.

    Null models are left out of the fit (they write no greeting whose length could be controlled) and get no
    length-controlled rate; the median length is that of the other runs' greetings.

    Args:
        rows: The group's rows, each with ``_index``.
        samples: Row ``_index`` -> that run's samples.
        judges: The group's judges (those reporting an excellence rate).
        null_rows: ``_index`` of the null models' rows.
    """
    for judge in judges:
        points = {
            str(row["_index"]): greeting_points(samples[row["_index"]], judge)
            for row in rows
            if row["_index"] not in null_rows and row.get(judge) is not None
        }
        rates = length_controlled_rates(points)
        for row in rows:
            rate = rates.get(str(row["_index"]))
            if rate is not None:
                row[f"{judge}{LC_SUFFIX}"] = rate.rate
                row |= zip(interval_keys(f"{judge}{LC_SUFFIX}"), (rate.ci_low, rate.ci_high), strict=True)
