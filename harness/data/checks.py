"""Row-level checks of the evaluation set: duplicate rows, label conflicts, and the length-only baseline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from harness.data.loaders import LabelledGreeting

#: The length-only baseline calls a response good iff it has at least this many characters (code points).
LENGTH_THRESHOLD = 39


def match_key(text: str) -> str:
    """Return the form two texts are compared in across the data layer: exact string equality after ``strip()``.

    No other normalisation (case, width, punctuation, Unicode form) is applied.
    """
    return text.strip()


@dataclass(frozen=True)
class DuplicateGroup:
    """Rows that repeat the same query, response and label.

    Attributes:
        query: The shared query (stripped).
        response: The shared response (stripped).
        label: The shared label.
        lines: The rows' line numbers, ascending (at least two).
    """

    query: str
    response: str
    label: int
    lines: tuple[int, ...]

    @property
    def extra_rows(self) -> int:
        """How many rows beyond the first copy."""
        return len(self.lines) - 1


@dataclass(frozen=True)
class PairConflict:
    """One (query, response) labelled both good and bad.

    Attributes:
        query: The query (stripped).
        response: The response (stripped).
        good_lines: Lines labelling it 1.
        bad_lines: Lines labelling it 0.
    """

    query: str
    response: str
    good_lines: tuple[int, ...]
    bad_lines: tuple[int, ...]


@dataclass(frozen=True)
class QueryConflict:
    """One query with at least one good and one bad row (its responses may differ).

    Attributes:
        query: The query (stripped).
        good_lines: Lines of its rows labelled 1.
        bad_lines: Lines of its rows labelled 0.
    """

    query: str
    good_lines: tuple[int, ...]
    bad_lines: tuple[int, ...]


@dataclass(frozen=True)
class LabelConflicts:
    """Both kinds of label conflict, reported separately.

    Attributes:
        pairs: Identical (query, response) rows with both labels: contradictory annotations.
        queries: Queries with both labels across any of their rows (a superset of the queries in ``pairs``).
    """

    pairs: tuple[PairConflict, ...]
    queries: tuple[QueryConflict, ...]


def find_duplicates(rows: Sequence[LabelledGreeting]) -> list[DuplicateGroup]:
    """Find rows repeating the same (query, response, label), compared with ``match_key``.

    Rows with the same query and response but different labels are conflicts, not duplicates (see
    ``find_label_conflicts``). Nothing is dropped; the caller decides.

    Args:
        rows: Evaluation rows.

    Returns:
        One group per repeated row, ordered by first line; empty when there are no repeats.
    """
    groups: dict[tuple[str, str, int], list[int]] = defaultdict(list)
    for row in rows:
        groups[(match_key(row.query), match_key(row.response), row.label)].append(row.line)
    found = [
        DuplicateGroup(query, response, label, tuple(sorted(lines)))
        for (query, response, label), lines in groups.items()
        if len(lines) > 1
    ]
    return sorted(found, key=lambda group: group.lines[0])


def find_label_conflicts(rows: Sequence[LabelledGreeting]) -> LabelConflicts:
    """Find (query, response) pairs and queries that carry both labels, compared with ``match_key``.

    Args:
        rows: Evaluation rows.

    Returns:
        Both kinds, each ordered by first line; empty tuples when the labels agree.
    """
    by_pair: dict[tuple[str, str], tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    by_query: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for row in rows:
        side = 0 if row.label == 1 else 1
        by_pair[(match_key(row.query), match_key(row.response))][side].append(row.line)
        by_query[match_key(row.query)][side].append(row.line)
    pairs = [
        PairConflict(query, response, tuple(sorted(good)), tuple(sorted(bad)))
        for (query, response), (good, bad) in by_pair.items()
        if good and bad
    ]
    queries = [
        QueryConflict(query, tuple(sorted(good)), tuple(sorted(bad)))
        for query, (good, bad) in by_query.items()
        if good and bad
    ]
    return LabelConflicts(tuple(sorted(pairs, key=_first_line)), tuple(sorted(queries, key=_first_line)))


def _first_line(conflict: PairConflict | QueryConflict) -> int:
    return min(conflict.good_lines[0], conflict.bad_lines[0])


@dataclass(frozen=True)
class LengthBaseline:
    """How far response length alone predicts the label.

    Attributes:
        rows: Rows measured.
        threshold: Characters from which the baseline says "good".
        good_mean_chars: Mean response length of good rows (None without good rows).
        bad_mean_chars: Mean response length of bad rows (None without bad rows).
        accuracy: Share of rows where ``len(response) >= threshold`` equals ``label == 1`` (None without rows).
        kappa: Cohen's kappa of that rule against the labels (None when undefined: no rows, or chance agreement 1).
        auc: Probability that a random good response is longer than a random bad one, ties counting half
            (Mann-Whitney U / (n_good * n_bad)); None without both labels.
    """

    rows: int
    threshold: int
    good_mean_chars: float | None
    bad_mean_chars: float | None
    accuracy: float | None
    kappa: float | None
    auc: float | None


def length_baseline(rows: Sequence[LabelledGreeting], threshold: int = LENGTH_THRESHOLD) -> LengthBaseline:
    """Measure the length-only baseline "good iff the response has at least ``threshold`` characters".

    Lengths are ``len(response)`` in Unicode code points, unstripped.

    Args:
        rows: Evaluation rows.
        threshold: The cut-off in characters.

    Returns:
        The baseline's facts; undefined figures are None.
    """
    good = [len(row.response) for row in rows if row.label == 1]
    bad = [len(row.response) for row in rows if row.label == 0]
    total = len(good) + len(bad)
    if not total:
        return LengthBaseline(0, threshold, None, None, None, None, None)
    # Deferred: numpy and scipy.stats take most of a second to import, and the data layer is read without them.
    from harness.stats import accuracy, cohen_kappa, roc_auc

    lengths = [*good, *bad]
    labels = [1] * len(good) + [0] * len(bad)
    verdicts = [int(length >= threshold) for length in lengths]
    return LengthBaseline(
        rows=total,
        threshold=threshold,
        good_mean_chars=sum(good) / len(good) if good else None,
        bad_mean_chars=sum(bad) / len(bad) if bad else None,
        accuracy=accuracy(verdicts, labels),
        kappa=cohen_kappa(verdicts, labels),
        auc=roc_auc(lengths, labels),
    )
