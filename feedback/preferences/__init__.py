"""Multi-agent rejection sampling: preference pairs for a reward model (the paper's Path A data).

For each request, sample k greetings from a policy (any Inspect model), judge each with any judge (the debate, the
principle judge in P(good) mode, a reward model, the length rule), pair judged-good with judged-bad of the same
request as (prompt, chosen, rejected), dedupe, and write the RM trainer's format with each pair's provenance.
Every finished step is written to a run folder as it finishes, so a killed run resumes losing nothing finished.

One idea per module: :mod:`.queries` (the requests), :mod:`.sampling` (k candidates from a policy), :mod:`.judges`
(every judge behind one interface), :mod:`.run_folder` (what is finished, on disk), :mod:`.loop` (sample, then
judge, resumably), :mod:`.pairing` (sides, pairs, dedupe, length balance), :mod:`.pair_file` (the RM format with
provenance), :mod:`.report` (counts, agreement with length, balance, cost), :mod:`.make` (one run end to end),
:mod:`.cli` (``greetbench make-preferences``). Every public name is re-exported here.
"""

from feedback.preferences.judges import (
    DEBATE_ARGUMENT_TOKENS,
    DEBATE_VERDICT_TOKENS,
    JUDGE_NAMES,
    JudgeSettings,
    PreferenceJudge,
    judge_calls,
    prepare_judge,
)
from feedback.preferences.loop import Collected, PhaseCounts, RunSettings, collect, distinct_texts, trace_id
from feedback.preferences.make import (
    PAIRS_FILE,
    PreferenceRunConfig,
    PreferenceRunResult,
    make_preference_pairs,
    report_paths,
)
from feedback.preferences.pair_file import pair_record, write_pair_file
from feedback.preferences.pairing import (
    BALANCES,
    LEFT_OUT_REASONS,
    JudgedCandidate,
    MadePair,
    Pairing,
    PairingSettings,
    classify,
    make_pairs,
)
from feedback.preferences.queries import QUERY_SOURCES, Query, load_queries, query_id
from feedback.preferences.report import (
    Cost,
    length_balance,
    no_pairs_reason,
    preference_report,
    released_balance,
    report_markdown,
    run_cost,
    summary_lines,
)
from feedback.preferences.run_folder import RunFolder, RunFolderError, append_line, read_lines, repair_torn_tail
from feedback.preferences.sampling import Candidate, SamplingSettings, candidate_seed, sample_candidates

__all__ = [
    "BALANCES",
    "DEBATE_ARGUMENT_TOKENS",
    "DEBATE_VERDICT_TOKENS",
    "JUDGE_NAMES",
    "LEFT_OUT_REASONS",
    "PAIRS_FILE",
    "QUERY_SOURCES",
    "Candidate",
    "Collected",
    "Cost",
    "JudgeSettings",
    "JudgedCandidate",
    "MadePair",
    "Pairing",
    "PairingSettings",
    "PhaseCounts",
    "PreferenceJudge",
    "PreferenceRunConfig",
    "PreferenceRunResult",
    "Query",
    "RunFolder",
    "RunFolderError",
    "RunSettings",
    "SamplingSettings",
    "append_line",
    "candidate_seed",
    "classify",
    "collect",
    "distinct_texts",
    "judge_calls",
    "length_balance",
    "load_queries",
    "make_pairs",
    "make_preference_pairs",
    "no_pairs_reason",
    "pair_record",
    "preference_report",
    "prepare_judge",
    "query_id",
    "read_lines",
    "released_balance",
    "repair_torn_tail",
    "report_markdown",
    "report_paths",
    "run_cost",
    "sample_candidates",
    "summary_lines",
    "trace_id",
    "write_pair_file",
]
