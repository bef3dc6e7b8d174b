"""Judges: each a plain async core over an Inspect ``Model`` (or a checkpoint) plus an Inspect scorer wrapping it.

The GRPO reward wraps the same cores, so a judge means the same thing in an eval and in training.
"""

from harness.judges.baselines import constant_judge, fit_length_threshold, length_judge, length_judgement
from harness.judges.debate import DebateConfig, DebateModels, debate_judge, debate_judgement
from harness.judges.generate import judge_generate, provider_config
from harness.judges.judgement import Judgement
from harness.judges.logprobs import VerdictProbability, choice_probability, verdict_probability
from harness.judges.pairwise import WINNER_FORMAT, PairwiseJudgement, judge_pair, pairwise_judge, parse_winner
from harness.judges.panel import model_panel, panel, panel_judgement
from harness.judges.principle import (
    JUDGE_CONFIG,
    JUDGE_ROLE,
    VERDICT_ONLY_CONFIG,
    escape_tags,
    judge_with_principles,
    principle_judge,
    principle_messages,
)
from harness.judges.registry import JUDGES, build_judges, parse_judge_names
from harness.judges.reward_model import (
    RewardModel,
    RewardModelIdentity,
    fit_and_save_threshold,
    reward_judgement,
    reward_judgements,
    reward_model_identity,
    reward_model_judge,
)
from harness.judges.verdict import VERDICT_FORMAT, ChoiceFormat, ParsedVerdict, parse_choice, parse_verdict

__all__ = [
    "JUDGES",
    "JUDGE_CONFIG",
    "JUDGE_ROLE",
    "VERDICT_FORMAT",
    "VERDICT_ONLY_CONFIG",
    "WINNER_FORMAT",
    "ChoiceFormat",
    "RewardModelIdentity",
    "VerdictProbability",
    "choice_probability",
    "judge_generate",
    "parse_choice",
    "provider_config",
    "reward_model_identity",
    "verdict_probability",
    "DebateConfig",
    "DebateModels",
    "Judgement",
    "PairwiseJudgement",
    "ParsedVerdict",
    "RewardModel",
    "build_judges",
    "constant_judge",
    "debate_judge",
    "debate_judgement",
    "escape_tags",
    "fit_and_save_threshold",
    "fit_length_threshold",
    "judge_pair",
    "judge_with_principles",
    "length_judge",
    "length_judgement",
    "model_panel",
    "pairwise_judge",
    "panel",
    "panel_judgement",
    "parse_judge_names",
    "parse_verdict",
    "parse_winner",
    "principle_judge",
    "principle_messages",
    "reward_judgement",
    "reward_judgements",
    "reward_model_judge",
]
