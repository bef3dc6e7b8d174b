"""GRPO rewards, one kind per module: ``rm`` (a reward model), ``judge`` (an LLM judge), ``pairwise`` (each
completion against a peer of its group), ``length``, ``format``, ``python`` (a user function). Each is a TRL
reward callable built from a spec; :func:`build_rewards` makes them from a config's ``rewards:`` list."""

from trainers.rewards.base import RewardSpec, finite_mean, is_async_reward, renamed
from trainers.rewards.build import (
    REWARD_KINDS,
    NamedSpec,
    build_reward,
    build_rewards,
    parse_reward_spec,
    parse_reward_specs,
)
from trainers.rewards.format import FORMAT_CHECKS, FormatReward, FormatRewardSpec, format_failures, format_value
from trainers.rewards.judge import (
    FAILED,
    SCORED,
    TIMED_OUT,
    UNSCORED,
    JudgeReward,
    JudgeRewardSpec,
    check_reachable,
    judge_model,
)
from trainers.rewards.length import LengthReward, LengthRewardSpec, length_value
from trainers.rewards.loop import background_loop, run_on_background_loop
from trainers.rewards.pairwise import PairwiseReward, PairwiseRewardSpec
from trainers.rewards.python import PythonRewardSpec, import_reward
from trainers.rewards.rm import PREPARED_CHECKPOINT, RmReward, RmRewardSpec, resolve_rm_checkpoint, standardized
from trainers.rewards.texts import batch_queries, completion_text, prompt_query

__all__ = [
    "FAILED",
    "FORMAT_CHECKS",
    "PREPARED_CHECKPOINT",
    "REWARD_KINDS",
    "SCORED",
    "TIMED_OUT",
    "UNSCORED",
    "FormatReward",
    "FormatRewardSpec",
    "JudgeReward",
    "JudgeRewardSpec",
    "LengthReward",
    "LengthRewardSpec",
    "NamedSpec",
    "PairwiseReward",
    "PairwiseRewardSpec",
    "PythonRewardSpec",
    "RewardSpec",
    "RmReward",
    "RmRewardSpec",
    "background_loop",
    "batch_queries",
    "build_reward",
    "build_rewards",
    "check_reachable",
    "completion_text",
    "finite_mean",
    "format_failures",
    "format_value",
    "import_reward",
    "is_async_reward",
    "judge_model",
    "length_value",
    "parse_reward_spec",
    "parse_reward_specs",
    "prompt_query",
    "renamed",
    "resolve_rm_checkpoint",
    "run_on_background_loop",
    "standardized",
]
