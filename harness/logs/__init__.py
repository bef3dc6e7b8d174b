"""The one reader of Inspect logs: finding and reading them (:mod:`.read`), and turning them into polars frames
(:mod:`.frames`) that the leaderboard, the judge report and the CLI's results table read."""

from harness.logs.frames import (
    RUNS_SCHEMA,
    SAMPLE_SCORES_SCHEMA,
    SCORER_METRICS_SCHEMA,
    runs_frame,
    sample_scores_frame,
    scorer_metrics_frame,
)
from harness.logs.read import (
    LogReadError,
    expand_log_paths,
    log_file,
    log_sha256,
    read_header,
    read_samples,
)

__all__ = [
    "RUNS_SCHEMA",
    "SAMPLE_SCORES_SCHEMA",
    "SCORER_METRICS_SCHEMA",
    "LogReadError",
    "expand_log_paths",
    "log_file",
    "log_sha256",
    "read_header",
    "read_samples",
    "runs_frame",
    "sample_scores_frame",
    "scorer_metrics_frame",
]
