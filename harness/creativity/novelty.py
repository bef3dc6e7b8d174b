"""Novelty: the share of a response's character n-grams found nowhere in the training responses."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

from harness.creativity.ngrams import _check_order, _ngrams, segments
from harness.data import DataError, DataFiles, load_preference_pairs, load_sft_examples, resolve_data_dir

#: The n-gram order of the novelty measure.
NOVELTY_N = 4


class NoveltyIndex:
    """The character n-grams (default 4-grams) of the training responses, for :meth:`novelty`.

    Args:
        texts: The training responses.
        n: The n-gram order.
    """

    def __init__(self, texts: Iterable[str], n: int = NOVELTY_N) -> None:
        _check_order(n)
        self.n = n
        grams: set[str] = set()
        for text in texts:
            grams.update(_ngrams(segments(text), n))
        self.grams: frozenset[str] = frozenset(grams)

    @classmethod
    def from_data_dir(cls, root: str | Path | None = None, n: int = NOVELTY_N) -> NoveltyIndex:
        """Index the responses a policy may have been trained on: the SFT outputs and both sides (chosen and
        rejected) of the reward-model training pairs.

        Args:
            root: The data folder (upstream ``dataset/`` layout); None resolves it with
                :func:`harness.data.resolve_data_dir`.
            n: The n-gram order.

        Returns:
            The index.

        Raises:
            DataError: No data folder is given or resolvable, or a file is missing or malformed.
        """
        resolved = resolve_data_dir(root)
        if resolved is None:
            raise DataError(Path("."), "no data folder given, in $GREETBENCH_DATA_DIR or fetched")
        files = DataFiles(resolved)
        responses = [example.output for example in load_sft_examples(files.sft)]
        for pair in load_preference_pairs(files.rm_train):
            responses.extend((pair.chosen, pair.rejected))
        return cls(responses, n)

    def __len__(self) -> int:
        return len(self.grams)

    def novelty(self, text: str) -> float:
        """Share of the text's n-gram occurrences that occur nowhere in the training responses.

        Args:
            text: A response.

        Returns:
            A share in [0, 1]; nan when the text has no n-gram (no run of ``n`` counted characters).
        """
        grams = _ngrams(segments(text), self.n)
        if not grams:
            return math.nan
        return sum(1 for gram in grams if gram not in self.grams) / len(grams)
