"""The length plot of a card: how a judge's verdicts (and score) move with length, beside the labels.

matplotlib is imported inside the function, with the non-interactive Agg backend (no display needed).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

LENGTH_BINS = 10
"""Equal-count length bins of the share-good panel."""


def _bins(lengths: NDArray[np.float64], labels: NDArray[np.float64], verdicts: NDArray[np.float64]):
    order = np.argsort(lengths, kind="stable")
    chunks = [chunk for chunk in np.array_split(order, min(LENGTH_BINS, len(order))) if chunk.size]
    x = np.array([np.median(lengths[c]) for c in chunks])
    return x, np.array([labels[c].mean() for c in chunks]), np.array([verdicts[c].mean() for c in chunks])


def plot_length(
    path: str | Path,
    lengths: NDArray[np.float64],
    labels: NDArray[np.float64],
    verdicts: NDArray[np.float64],
    scores: NDArray[np.float64] | None = None,
    *,
    threshold: float | None = None,
    title: str = "",
) -> Path:
    """Write a PNG: share labelled good and share judged good by length (and the score against length).

    Left panel: the scored rows in :data:`LENGTH_BINS` equal-count bins of length; for each bin, at its median
    length, the share labelled good and the share judged good. Right panel (only when the judge has a score
    that is not the length itself, e.g. a reward): each row's score against its length, coloured by label, with
    the verdict threshold when known. Lengths below 1 are drawn at 1 (log axis).

    Args:
        path: The PNG to write.
        lengths: Length of each scored row (characters).
        labels: 0/1 labels.
        verdicts: 0/1 verdicts.
        scores: The judge's scores (NaN when none), or None.
        threshold: The score cut, for the right panel.
        title: Figure title.

    Returns:
        The path written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    lengths = np.maximum(np.asarray(lengths, dtype=float), 1.0)
    has_score = (
        scores is not None
        and len(scores) > 0
        and bool(np.all(np.isfinite(scores)))
        and not np.array_equal(np.asarray(scores, dtype=float), np.asarray(lengths, dtype=float))
    )
    figure, axes = plt.subplots(1, 2 if has_score else 1, figsize=(11 if has_score else 6, 4.2), squeeze=False)
    left = axes[0][0]
    if len(lengths):
        x, label_share, verdict_share = _bins(lengths, np.asarray(labels, float), np.asarray(verdicts, float))
        left.plot(x, label_share, "o-", color="tab:gray", label="labelled good (human)")
        left.plot(x, verdict_share, "s-", color="tab:blue", label="judged good")
    left.set_xscale("log")
    left.set_ylim(-0.03, 1.03)
    left.set_xlabel("response length (characters, log scale; bin medians)")
    left.set_ylabel("share good")
    left.set_title(f"share good by length ({LENGTH_BINS} equal-count bins)")
    left.legend(loc="lower right")
    left.grid(alpha=0.3)
    if has_score:
        assert scores is not None
        right = axes[0][1]
        good = np.asarray(labels, float) == 1
        right.scatter(lengths[good], scores[good], s=8, alpha=0.45, color="tab:green", label="labelled good")
        right.scatter(lengths[~good], scores[~good], s=8, alpha=0.45, color="tab:red", label="labelled bad")
        if threshold is not None:
            right.axhline(threshold, color="black", linestyle="--", linewidth=1, label=f"threshold {threshold:.3g}")
        right.set_xscale("log")
        right.set_xlabel("response length (characters, log scale)")
        right.set_ylabel("judge score")
        right.set_title("score against length")
        right.legend(loc="best")
        right.grid(alpha=0.3)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
