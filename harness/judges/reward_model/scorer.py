"""The reward-model judge as an Inspect scorer, its identity recorded in the log header and in every score."""

from __future__ import annotations

from typing import Any

import anyio
from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState
from inspect_ai.util import registry_info

from harness.data import strip_policy_prefix
from harness.judge_names import JUDGE_SCORERS
from harness.judges.reward_model.batcher import RewardBatcher
from harness.judges.reward_model.checkpoint import RewardForwardError, RewardModelError, checkpoint_dir
from harness.judges.reward_model.identity import RewardModelIdentity, _identity
from harness.judges.reward_model.judge import reward_judgement
from harness.judges.reward_model.model import DEFAULT_BATCH_SIZE, RewardModel
from harness.judges.reward_model.threshold import (
    _parse_threshold,
    _read_threshold_bytes,
    missing_threshold_message,
    threshold_path,
)
from harness.metrics import excellence_rate

UNREADABLE_REASON = "grader_failed"
"""Unscored reason when the model gave no readable reward (non-finite): Inspect's ``ScoreReason`` for a grader
that failed, as for an unreadable LLM verdict (inspect-ai 0.3.285 has no ``grader_parse_failure``)."""

FORWARD_FAILED_REASON = "grader_failed"
"""Unscored reason when the reward model's forward raised on a pair even alone (Inspect's reason for a grader
that failed); the explanation names the error."""


_IDENTITY_ATTR = "_greetbench_rm_identity"


@scorer(metrics=[excellence_rate()], name=JUDGE_SCORERS["rm"])
def _reward_model_judge(
    checkpoint: str,
    threshold: float | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: str | None = None,
    dtype: str | None = None,
    max_length: int | None = None,
) -> Scorer:
    """The scorer behind :func:`reward_model_judge`, registered under that name (see it for the arguments)."""
    path = checkpoint_dir(checkpoint)
    content = _read_threshold_bytes(threshold_path(path))
    if threshold is None:
        if content is None:
            raise RewardModelError(missing_threshold_message(path))
        cut, source = _parse_threshold(threshold_path(path), content).threshold, "stored"
    else:
        cut, source = threshold, "argument"
    # The cut and the identity come from the same bytes: a refit between two reads cannot split them.
    identity = _identity(path, content, threshold)
    batcher: RewardBatcher | None = None

    async def score(state: TaskState, target: Target) -> Score:
        nonlocal batcher
        if batcher is None:
            model = await anyio.to_thread.run_sync(RewardModel.load, path, device, dtype)
            batcher = batcher or RewardBatcher(model, batch_size, max_length=max_length)
        response = state.output.completion
        query = state.metadata.get("query") or strip_policy_prefix(state.input_text)
        metadata: dict[str, Any] = {
            "threshold": cut,
            "threshold_source": source,
            "checkpoint": str(path),
            **identity.metadata(),
        }
        try:
            judgement = await reward_judgement(batcher, query, response, cut)
        except RewardForwardError as err:
            return Score.unscored(
                reason=FORWARD_FAILED_REASON, explanation=str(err), answer=response, metadata=metadata
            )
        step = judgement.trace[0]
        metadata = {"reward": step["reward"], **metadata, "truncated": step.get("truncated", False)}
        if judgement.value is None:
            return Score.unscored(
                reason=UNREADABLE_REASON, explanation=judgement.reason, answer=response, metadata=metadata
            )
        return Score(value=judgement.value, answer=response, explanation=judgement.reason, metadata=metadata)

    setattr(score, _IDENTITY_ATTR, identity)  # for reward_model_judge, which writes it into the registry info
    return score


def reward_model_judge(
    checkpoint: str,
    threshold: float | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: str | None = None,
    dtype: str | None = None,
    max_length: int | None = None,
) -> Scorer:
    """Score the model's greeting good (1) or bad (0) by a reward model's raw reward against a threshold.

    The checkpoint is a local folder, not an Inspect model role: it is loaded once per process (on the first
    sample, in a worker thread) and concurrent samples share batched forwards. The query is the sample's
    ``query`` metadata, else its input without the policy-prompt prefix. An empty response is still scored by the
    model (it is a model, not a rule). A non-finite reward is ``Score.unscored`` (:data:`UNREADABLE_REASON`); a
    pair the model fails on, even alone, is ``Score.unscored`` (:data:`FORWARD_FAILED_REASON`) while the other
    samples are scored. Neither is ever a 0.

    The judge's content identity (:func:`reward_model_identity`) is computed here, at construction (the weights
    are hashed once per process), and recorded in the log header as this scorer's metadata
    (``log.eval.scorers[i].metadata``, keys :data:`IDENTITY_KEYS`) and in every score's metadata. Re-scoring a
    log by name (``inspect score``) builds the scorer without the header part; the scores still carry it.

    Args:
        checkpoint: A one-label sequence-classification checkpoint folder with a chat template.
        threshold: A cut overriding the stored one; default the checkpoint's ``greetbench_threshold.json``.
        batch_size: Pairs per forward pass.
        device: As :meth:`RewardModel.load`.
        dtype: As :meth:`RewardModel.load`.
        max_length: Token limit per pair (longer pairs are truncated, see :meth:`RewardModel.encode_pair`);
            default :data:`DEFAULT_MAX_LENGTH` or the model's context when smaller.

    Returns:
        The scorer. Each score's metadata holds ``reward`` (raw; absent when the forward failed), ``threshold``,
        ``threshold_source`` (``stored`` or ``argument``), ``checkpoint``, ``truncated`` and the identity
        (``rm_sha256``, ``rm_weights_sha256``, ``rm_threshold_sha256``).

    Raises:
        RewardModelError: At construction, if the folder is not a checkpoint or has no weight files, or no
            ``threshold`` is given and none is stored (the message says how to fit one), or the stored file is
            malformed.
    """
    judge = _reward_model_judge(checkpoint, threshold, batch_size, device, dtype, max_length)
    identity: RewardModelIdentity = getattr(judge, _IDENTITY_ATTR)
    info = registry_info(judge)
    # Inspect copies a scorer's registry metadata (its metrics aside) into the log header's scorer entry: the
    # identity is known only once the arguments are, so it is added to this instance, not to the decorator.
    info.metadata = {**info.metadata, **identity.metadata()}
    return judge
