"""The reward-model judge: a sequence-classification checkpoint scores (query, response); a cut makes it a verdict.

After the paper's Path A reward model. Any checkpoint with one output (``num_labels=1``) and a chat template
works: the judge renders each pair through the checkpoint's own chat template exactly as TRL's ``RewardTrainer``
renders a conversational preference pair (:func:`reward_conversation`), runs batched forwards off the event loop,
and calls a greeting good iff its raw reward is at least the checkpoint's threshold.

The threshold lives beside the weights in ``greetbench_threshold.json`` (:data:`THRESHOLD_FILENAME`), fitted on
labelled dev rows by :func:`fit_and_save_threshold`. A judge without a threshold cannot give verdicts, so the
scorer refuses to start without one (or an explicit ``threshold`` argument).

A judge is known by its content, not its folder: :func:`reward_model_identity` hashes the weight files and the
threshold file (every trainer saves to ``<output_dir>/model``, so folder names say nothing). The identity goes into
the log twice: into the scorer's header metadata (``log.eval.scorers[i].metadata``) and into every score's metadata,
both under :data:`IDENTITY_KEYS`; the leaderboard's comparability key and the judge cards read it from there.

Greetings and queries are untrusted: :meth:`RewardModel.encode_pair` never lets them become special tokens, cuts
pairs longer than the model's limit (and says so), and the batcher retries a failing batch one pair at a time so
that one bad pair fails only its own request.

``torch`` and ``transformers`` are imported inside functions only: importing this package stays cheap.

One idea per module: :mod:`.checkpoint` (the folder, the errors), :mod:`.threshold` (the stored cut),
:mod:`.identity` (the content hash), :mod:`.model` (loading, encoding, batched forwards), :mod:`.batcher`
(concurrent requests into batches), :mod:`.judge` (reward -> verdict, the async core), :mod:`.fitting` (fitting
the cut), :mod:`.scorer` (the Inspect scorer). Every public name is re-exported here.
"""

from harness.judges.reward_model.batcher import (
    DEFAULT_WAIT_S,
    RewardBatcher,
)
from harness.judges.reward_model.checkpoint import (
    RewardForwardError,
    RewardModelError,
    checkpoint_dir,
)
from harness.judges.reward_model.fitting import (
    fit_and_save_threshold,
    fitted_threshold,
    rows_digest,
    store_threshold,
)
from harness.judges.reward_model.identity import (
    IDENTITY_KEYS,
    IDENTITY_VERSION,
    NOT_WEIGHTS,
    WEIGHT_SUFFIXES,
    RewardModelIdentity,
    cached_file_sha256,
    reward_model_identity,
    weight_files,
    weights_sha256,
)
from harness.judges.reward_model.judge import (
    StoredCutJudge,
    judgement_from_reward,
    reward_judgement,
    reward_judgements,
    stored_cut_judge,
)
from harness.judges.reward_model.model import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_LENGTH,
    EncodedPair,
    PairReward,
    RewardModel,
    reward_conversation,
)
from harness.judges.reward_model.scorer import (
    FORWARD_FAILED_REASON,
    UNREADABLE_REASON,
    reward_model_judge,
)
from harness.judges.reward_model.threshold import (
    FIT_COMMAND,
    THRESHOLD_FILENAME,
    StoredThreshold,
    fit_length_model,
    log_length,
    missing_threshold_message,
    read_threshold,
    save_threshold,
    threshold_path,
)

__all__ = [
    "StoredCutJudge",
    "stored_cut_judge",
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_MAX_LENGTH",
    "DEFAULT_WAIT_S",
    "EncodedPair",
    "FIT_COMMAND",
    "FORWARD_FAILED_REASON",
    "IDENTITY_KEYS",
    "IDENTITY_VERSION",
    "NOT_WEIGHTS",
    "PairReward",
    "RewardBatcher",
    "RewardForwardError",
    "RewardModel",
    "RewardModelError",
    "RewardModelIdentity",
    "StoredThreshold",
    "THRESHOLD_FILENAME",
    "UNREADABLE_REASON",
    "WEIGHT_SUFFIXES",
    "cached_file_sha256",
    "checkpoint_dir",
    "fit_and_save_threshold",
    "fit_length_model",
    "fitted_threshold",
    "log_length",
    "store_threshold",
    "judgement_from_reward",
    "missing_threshold_message",
    "read_threshold",
    "reward_conversation",
    "reward_judgement",
    "reward_judgements",
    "reward_model_identity",
    "reward_model_judge",
    "rows_digest",
    "save_threshold",
    "threshold_path",
    "weight_files",
    "weights_sha256",
]
