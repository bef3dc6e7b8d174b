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

``torch`` and ``transformers`` are imported inside functions only: importing this module stays cheap.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState
from inspect_ai.util import registry_info

from harness.data import EvalSplit, LabelledGreeting, strip_policy_prefix
from harness.hashing import sha256_file, sha256_hex
from harness.judge_names import JUDGE_SCORERS, RM_IDENTITY
from harness.judges.judgement import Judgement
from harness.metrics import excellence_rate
from harness.stats import cut_accuracy, fit_threshold

if TYPE_CHECKING:
    import torch

THRESHOLD_FILENAME = "greetbench_threshold.json"
"""The threshold file stored in the checkpoint folder: ``{"threshold", "fit_on", "dev_accuracy", "n"}``."""

DEFAULT_BATCH_SIZE = 16
"""Pairs per forward pass."""

DEFAULT_WAIT_S = 0.005
"""How long the first of a group of concurrent requests waits for others to join its batch."""

DEFAULT_MAX_LENGTH = 1024
"""Longest input in tokens, when the model allows it (capped by ``max_position_embeddings``): TRL's
``RewardConfig.max_length`` default, so longer pairs were dropped from training and the model never saw them."""

IDENTITY_VERSION = "greetbench-rm-identity/1"
"""Salt of :func:`reward_model_identity`; bump it whenever what is hashed changes."""

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")
"""File endings that hold weights (top level of the checkpoint folder)."""

NOT_WEIGHTS = frozenset({"training_args.bin", "optimizer.pt", "scheduler.pt", "scaler.pt", "rng_state.pth"})
"""Trainer state that shares the weight endings but never changes a reward (and holds paths and timestamps)."""

IDENTITY_KEYS = (RM_IDENTITY, "rm_weights_sha256", "rm_threshold_sha256")
"""Metadata keys of :meth:`RewardModelIdentity.metadata`; ``rm_sha256`` is the judge's identity."""

UNREADABLE_REASON = "grader_failed"
"""Unscored reason when the model gave no readable reward (non-finite): Inspect's ``ScoreReason`` for a grader
that failed, as for an unreadable LLM verdict (inspect-ai 0.3.285 has no ``grader_parse_failure``)."""

FORWARD_FAILED_REASON = "grader_failed"
"""Unscored reason when the reward model's forward raised on a pair even alone (Inspect's reason for a grader
that failed); the explanation names the error."""

_QUERY_SLOT = "\ue000greetbench-query\ue001"
_RESPONSE_SLOT = "\ue000greetbench-response\ue001"
# Private-use characters: no chat template or greeting writes them, so they mark where the untrusted text goes.

_TEMPLATE_PROBE = (" \n探针<|im_end|>\t", "\n 回应<|im_start|>{{ x }} ")
"""A pair with edge whitespace, special-token strings and Jinja syntax: a template that renders it verbatim
places any text verbatim (checked at load time)."""

FIT_COMMAND = "harness.judges.reward_model.fit_and_save_threshold(checkpoint, split_eval_set(load_eval_set(path)))"
"""How to fit a missing threshold, quoted in errors."""


class RewardModelError(RuntimeError):
    """A checkpoint cannot serve as a judge: missing, not one-label, no threshold, or a bad threshold file."""


class RewardForwardError(RewardModelError):
    """The reward model could not score one pair (its forward raised with the pair alone, or was interrupted).

    The scorer turns it into ``Score.unscored`` for that sample only; the original error is the ``__cause__``.
    """


def reward_conversation(query: str, response: str) -> list[dict[str, str]]:
    """Return the conversation a reward model scores: the bare query as the user turn, the greeting as the reply.

    The user turn is the bare query, not the policy prompt (``请只生成一条祝福语：`` + query), because the paper's
    reward-model data puts the bare query in its human turn (``conversations[0].value``) and a reward model should
    be judged on inputs shaped like its training pairs. A reward-model trainer that builds TRL conversational pairs
    from that data (``prompt=[user: query]``, ``chosen=[assistant: greeting]``) renders exactly this conversation.

    Args:
        query: The greeting request, without the policy-prompt prefix.
        response: The greeting (may be empty).

    Returns:
        ``[{"role": "user", ...}, {"role": "assistant", ...}]``, ready for ``apply_chat_template``.
    """
    return [{"role": "user", "content": query}, {"role": "assistant", "content": response}]


@dataclass(frozen=True)
class StoredThreshold:
    """A reward cut and where it came from, as stored in a checkpoint's :data:`THRESHOLD_FILENAME`.

    Attributes:
        threshold: Rewards at or above it are good.
        fit_on: Provenance of the rows it was fitted on (split method, seed, digests, counts, device, dtype).
        dev_accuracy: Accuracy of the cut on those rows.
        n: Number of rows.
    """

    threshold: float
    fit_on: dict[str, Any] = field(default_factory=dict)
    dev_accuracy: float = math.nan
    n: int = 0


def threshold_path(checkpoint: str | Path) -> Path:
    """Return where a checkpoint's threshold file lives (``<checkpoint>/greetbench_threshold.json``)."""
    return Path(checkpoint) / THRESHOLD_FILENAME


def read_threshold(checkpoint: str | Path) -> StoredThreshold | None:
    """Read a checkpoint's stored threshold.

    Args:
        checkpoint: The checkpoint folder.

    Returns:
        The stored threshold, or None when the folder has no threshold file.

    Raises:
        RewardModelError: The file exists but is not valid JSON, lacks a finite numeric ``threshold``, or has
            fields of the wrong type (the message names the file).
    """
    path = threshold_path(checkpoint)
    content = _read_threshold_bytes(path)
    return None if content is None else _parse_threshold(path, content)


def _read_threshold_bytes(path: Path) -> bytes | None:
    """The threshold file's bytes, or None when there is none (the one read both the cut and the identity use)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise RewardModelError(f"{path}: cannot be read ({err})") from None


def _parse_threshold(path: Path, content: bytes) -> StoredThreshold:
    """Parse a threshold file's bytes; see :func:`read_threshold` for what is refused."""
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RewardModelError(f"{path}: cannot be read as JSON ({err})") from None
    if not isinstance(data, dict):
        raise RewardModelError(f"{path}: expected a JSON object")
    value = data.get("threshold")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RewardModelError(f"{path}: 'threshold' must be a finite number, got {value!r}")
    try:
        return StoredThreshold(
            threshold=float(value),
            fit_on=dict(data.get("fit_on") or {}),
            dev_accuracy=float(data.get("dev_accuracy", math.nan)),
            n=int(data.get("n", 0)),
        )
    except (TypeError, ValueError) as err:
        raise RewardModelError(f"{path}: malformed field ({err})") from None


def save_threshold(checkpoint: str | Path, stored: StoredThreshold) -> Path:
    """Write a threshold file into a checkpoint folder, atomically (a reader never sees half a file).

    Args:
        checkpoint: The checkpoint folder (must exist).
        stored: The threshold and its provenance; ``threshold`` must be finite.

    Returns:
        The file written.

    Raises:
        ValueError: The threshold is not finite.
    """
    if not math.isfinite(stored.threshold):
        raise ValueError(f"threshold must be finite, got {stored.threshold}")
    path = threshold_path(checkpoint)
    text = json.dumps(asdict(stored), ensure_ascii=False, indent=2) + "\n"
    fd, temp = tempfile.mkstemp(prefix=".threshold-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


# ---- identity ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RewardModelIdentity:
    """What a reward-model judge is, by content: its weights and the threshold it cuts at.

    Attributes:
        sha256: The judge's identity: SHA-256 over :data:`IDENTITY_VERSION`, ``weights_sha256`` and the threshold
            (the threshold file's digest, or the explicit threshold argument when one overrides the file).
        weights_sha256: SHA-256 over the weight files' names, sizes and contents (:func:`weights_sha256`).
        threshold_sha256: SHA-256 of the threshold file's bytes, or None when the folder has none.
        threshold_source: ``stored`` (the file's cut is used) or ``argument`` (an explicit cut is).
    """

    sha256: str
    weights_sha256: str
    threshold_sha256: str | None
    threshold_source: str

    def metadata(self) -> dict[str, str | None]:
        """The identity under :data:`IDENTITY_KEYS`, as recorded in the log."""
        return dict(zip(IDENTITY_KEYS, (self.sha256, self.weights_sha256, self.threshold_sha256), strict=True))


def weight_files(checkpoint: str | Path) -> list[Path]:
    """The checkpoint's weight files: top-level files ending in :data:`WEIGHT_SUFFIXES`, minus trainer state.

    Edge cases: sub-folders (``checkpoint-*``) are not part of the model and are skipped; config, tokenizer and
    chat-template files are not weights and are not hashed.

    Raises:
        RewardModelError: The folder holds no weight file.
    """
    folder = Path(checkpoint)
    files = sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix in WEIGHT_SUFFIXES and p.name not in NOT_WEIGHTS
    )
    if not files:
        raise RewardModelError(f"{folder}: no weight files ({', '.join(WEIGHT_SUFFIXES)})")
    return files


_FILE_DIGESTS: dict[tuple[str, int, int], str] = {}
_FILE_DIGESTS_LOCK = threading.Lock()


def cached_file_sha256(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes, streamed, cached per process by (resolved path, size, mtime).

    A 7B checkpoint (about 15 GB) is read once per process; rewriting the file (new size or mtime) rehashes it.
    Two threads asking at once may both hash it (the cache is filled, not locked, during the read).
    """
    resolved = path.resolve()
    stat = resolved.stat()
    key = (str(resolved), stat.st_size, stat.st_mtime_ns)
    with _FILE_DIGESTS_LOCK:
        if key in _FILE_DIGESTS:
            return _FILE_DIGESTS[key]
    digest = sha256_file(resolved)
    with _FILE_DIGESTS_LOCK:
        _FILE_DIGESTS[key] = digest
    return digest


def weights_sha256(checkpoint: str | Path) -> str:
    """SHA-256 over a checkpoint's weight files (:func:`weight_files`): each file's name, size and content digest.

    Names are relative to the folder, so a copy elsewhere (or under another folder name) hashes the same.

    Raises:
        RewardModelError: No weight files.
    """
    digest = hashlib.sha256()
    for path in weight_files(checkpoint):
        digest.update(f"{path.name}\0{path.stat().st_size}\0{cached_file_sha256(path)}\n".encode())
    return digest.hexdigest()


def _identity(path: Path, threshold_bytes: bytes | None, threshold: float | None) -> RewardModelIdentity:
    weights = weights_sha256(path)
    file_sha = None if threshold_bytes is None else sha256_hex(threshold_bytes)
    # An explicit cut replaces the file's: the verdicts depend on the cut used, so that is what is hashed.
    if threshold is None:
        cut = f"threshold-file {file_sha or 'none'}"
    else:
        cut = f"threshold-argument {float(threshold).hex()}"
    combined = sha256_hex(f"{IDENTITY_VERSION}\nweights {weights}\n{cut}\n")
    return RewardModelIdentity(combined, weights, file_sha, "stored" if threshold is None else "argument")


def reward_model_identity(checkpoint: str | Path, threshold: float | None = None) -> RewardModelIdentity:
    """The content identity of a reward-model judge (see :class:`RewardModelIdentity`).

    Two folders with the same weights and threshold file have the same identity whatever they are called; a
    retrained model or a refitted threshold saved to the same folder gets a new one.

    Args:
        checkpoint: The checkpoint folder.
        threshold: An explicit cut overriding the stored one (then the file's bytes do not count).

    Returns:
        The identity.

    Raises:
        RewardModelError: Not a checkpoint folder, or no weight files.
    """
    path = checkpoint_dir(checkpoint)
    return _identity(path, _read_threshold_bytes(threshold_path(path)), threshold)


@dataclass(frozen=True)
class EncodedPair:
    """The token ids of one (query, response) pair as the reward model reads them.

    Attributes:
        ids: Token ids, at most the model's max length.
        truncated: Whether text was cut to fit (see :meth:`RewardModel.encode_pair`).
    """

    ids: list[int]
    truncated: bool = False


@dataclass(frozen=True)
class PairReward:
    """One pair's raw reward and whether its input was truncated to fit."""

    reward: float
    truncated: bool = False


@dataclass(frozen=True)
class _Frame:
    """The chat template around the two untrusted slots: ``prefix + query + middle + response + suffix``."""

    prefix: str
    middle: str
    suffix: str
    prefix_ids: list[int]
    middle_ids: list[int]
    suffix_ids: list[int]
    special: Counter[int]  # the special-token ids the template itself contributes

    def fill(self, query: str, response: str) -> str:
        return f"{self.prefix}{query}{self.middle}{response}{self.suffix}"

    @property
    def length(self) -> int:
        return len(self.prefix_ids) + len(self.middle_ids) + len(self.suffix_ids)


class RewardModel:
    """A one-label sequence-classification checkpoint, its tokenizer, and its stored threshold.

    Load with :meth:`load` (cached per process). :meth:`rewards` is thread-safe: forwards on one model run one at
    a time.

    Attributes:
        path: The checkpoint folder (resolved).
        device: Where the weights live (``cpu``, ``cuda``, ``cuda:1``, ...).
        stored: The stored threshold read at load time (updated by :func:`fit_and_save_threshold`), or None.
        max_length: The default input limit in tokens: :data:`DEFAULT_MAX_LENGTH`, or the model's
            ``max_position_embeddings`` when that is smaller.
    """

    def __init__(self, path: Path, model: Any, tokenizer: Any, device: str, stored: StoredThreshold | None) -> None:
        """Wrap a loaded model; use :meth:`load` instead."""
        self.path = path
        self.device = device
        self.stored = stored
        self._model = model
        self._tokenizer = tokenizer
        self._pad_id: int = model.config.pad_token_id
        self._lock = threading.Lock()
        # ``split_special_tokens`` is a flag transformers sets on the shared backend tokenizer for each call:
        # concurrent encodes must not interleave, or one could run with the other's setting.
        self._tokenizer_lock = threading.Lock()
        self._special_ids = frozenset(tokenizer.all_special_ids) | {
            i for i, token in tokenizer.added_tokens_decoder.items() if token.special
        }
        self._frame = self._template_frame()
        positions = getattr(model.config, "max_position_embeddings", None) or DEFAULT_MAX_LENGTH
        self.max_length: int = min(DEFAULT_MAX_LENGTH, int(positions))

    @property
    def threshold(self) -> float | None:
        """The stored threshold, or None when the checkpoint has none."""
        return None if self.stored is None else self.stored.threshold

    @property
    def dtype(self) -> str:
        """The weights' dtype, e.g. ``torch.float32``."""
        return str(self._model.dtype)

    @classmethod
    def load(cls, path: str | Path, device: str | None = None, dtype: str | None = None) -> RewardModel:
        """Load a checkpoint, once per process per (resolved path, device, dtype).

        The model must have exactly one label and a pad token id (from its config, else its tokenizer's, which is
        then written into the loaded config: sequence classification pools at the last non-pad token). The
        tokenizer must have a chat template.

        Args:
            path: A ``save_pretrained`` folder (a full model, not a bare LoRA adapter).
            device: ``cpu``, ``cuda``, ``cuda:N``; default CUDA when available, else CPU.
            dtype: ``float32``, ``bfloat16``, ``float16``; default the checkpoint's own (``auto``).

        Returns:
            The model, in eval mode.

        Raises:
            RewardModelError: The folder has no ``config.json``, the model has more than one label, no pad token
                can be found, the tokenizer has no chat template or one that does not place message text verbatim
                (then untrusted text cannot be kept apart from it), or the threshold file is malformed.
        """
        resolved = checkpoint_dir(path)
        key = (str(resolved), device or _default_device(), dtype or "auto")
        with _CACHE_LOCK:
            if key not in _CACHE:
                _CACHE[key] = cls._load(resolved, *key[1:])
            return _CACHE[key]

    @classmethod
    def forget(cls, path: str | Path) -> int:
        """Drop every cached load of a checkpoint (any device, any dtype), e.g. after retraining overwrote it.

        Returns:
            How many cached loads were dropped.
        """
        resolved = str(Path(path).expanduser().resolve())
        with _CACHE_LOCK:
            stale = [key for key in _CACHE if key[0] == resolved]
            for key in stale:
                del _CACHE[key]
        return len(stale)

    @classmethod
    def _load(cls, path: Path, device: str, dtype: str) -> RewardModel:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModelForSequenceClassification.from_pretrained(path, dtype=dtype)
        if model.config.num_labels != 1:
            raise RewardModelError(f"{path}: a reward model needs num_labels=1, found {model.config.num_labels}")
        if model.config.pad_token_id is None:
            if tokenizer.pad_token_id is None:
                raise RewardModelError(f"{path}: neither the config nor the tokenizer names a pad token")
            model.config.pad_token_id = tokenizer.pad_token_id
        if not tokenizer.chat_template:
            raise RewardModelError(f"{path}: the tokenizer has no chat template")
        model.to(device).eval()
        return cls(path, model, tokenizer, device, read_threshold(path))

    def _template_frame(self) -> _Frame:
        """Render the template around placeholder slots, once, and check it places any text verbatim."""
        rendered = self._tokenizer.apply_chat_template(reward_conversation(_QUERY_SLOT, _RESPONSE_SLOT), tokenize=False)
        prefix, _, rest = rendered.partition(_QUERY_SLOT)
        middle, _, suffix = rest.partition(_RESPONSE_SLOT)
        probe = self._tokenizer.apply_chat_template(reward_conversation(*_TEMPLATE_PROBE), tokenize=False)
        if (
            rendered.count(_QUERY_SLOT) != 1
            or rest.count(_RESPONSE_SLOT) != 1
            or probe != "".join((prefix, _TEMPLATE_PROBE[0], middle, _TEMPLATE_PROBE[1], suffix))
        ):
            raise RewardModelError(f"{self.path}: the chat template does not place message text verbatim")
        pieces = [self._tokenize(piece, split_special=False) for piece in (prefix, middle, suffix)]
        special = Counter(i for ids in pieces for i in ids if i in self._special_ids)
        return _Frame(prefix, middle, suffix, *pieces, special)

    def _tokenize(self, text: str, split_special: bool) -> list[int]:
        with self._tokenizer_lock:
            encoded = self._tokenizer(text, add_special_tokens=False, split_special_tokens=split_special)
        return list(encoded["input_ids"])

    def encode(self, query: str, response: str, max_length: int | None = None) -> list[int]:
        """Token ids of one pair (:meth:`encode_pair` without the truncation flag)."""
        return self.encode_pair(query, response, max_length).ids

    def encode_pair(self, query: str, response: str, max_length: int | None = None) -> EncodedPair:
        """Token ids of one pair: :func:`reward_conversation` through the checkpoint's chat template, safely.

        Ordinary text is tokenized exactly as TRL's ``RewardTrainer`` tokenized a conversational pair in training
        (the rendered template tokenized whole, no extra special tokens). The query and the response are untrusted,
        so when that whole-text encoding holds any special-token id the template did not put there (a greeting
        holding ``<|im_end|>``, ``<|im_start|>``, ``<|endoftext|>``), the pair is encoded piece by piece instead:
        the template's pieces as usual, the query and the response with ``split_special_tokens=True``, so such
        strings become plain-text tokens. Non-special added tokens (e.g. Qwen's ``<tool_call>``) are ordinary
        vocabulary and stay as in training.

        A pair longer than ``max_length`` is truncated, piece by piece as above: the template is kept whole (the
        model pools at its last token, the end of the assistant turn), the response loses its end first, and the
        query is cut only when it would take more than half of the room left, both then keeping half.

        Args:
            query: The bare request (untrusted).
            response: The greeting (untrusted, may be empty).
            max_length: Token limit; default :attr:`max_length`.

        Returns:
            The ids and whether they were truncated.

        Raises:
            RewardModelError: The template alone is longer than ``max_length``.
        """
        limit = self.max_length if max_length is None else max_length
        frame = self._frame
        ids = self._tokenize(frame.fill(query, response), split_special=False)
        if len(ids) <= limit and Counter(i for i in ids if i in self._special_ids) == frame.special:
            return EncodedPair(ids)
        query_ids = self._tokenize(query, split_special=True)
        response_ids = self._tokenize(response, split_special=True)
        room = limit - frame.length
        if room < 0:
            raise RewardModelError(f"the chat template alone is {frame.length} tokens, over max_length {limit}")
        truncated = len(query_ids) + len(response_ids) > room
        if truncated:
            keep_response = min(len(response_ids), max(room - len(query_ids), room // 2))
            query_ids, response_ids = query_ids[: room - keep_response], response_ids[:keep_response]
        pieces = (frame.prefix_ids, query_ids, frame.middle_ids, response_ids, frame.suffix_ids)
        return EncodedPair([i for piece in pieces for i in piece], truncated)

    def rewards(self, pairs: Sequence[tuple[str, str]], batch_size: int = DEFAULT_BATCH_SIZE) -> list[float]:
        """Raw rewards for (query, response) pairs, in input order (:meth:`score_pairs` without the flags)."""
        return [result.reward for result in self.score_pairs(pairs, batch_size)]

    def score_pairs(
        self, pairs: Sequence[tuple[str, str]], batch_size: int = DEFAULT_BATCH_SIZE, max_length: int | None = None
    ) -> list[PairReward]:
        """Raw rewards for (query, response) pairs, in input order, each with its truncation flag.

        Each pair is encoded by :meth:`encode_pair` (no special tokens from the text; cut to ``max_length``).
        Pairs are sorted by length and right-padded per batch (attention mask set), so padding is minimal and
        never changes a reward beyond float noise. Empty responses are scored like any other: the judge is a
        model, not a rule. Blocking; call it from a worker thread in async code.

        Args:
            pairs: (query, response) pairs; the query is the bare request.
            batch_size: Pairs per forward pass (a memory knob; results do not depend on it beyond float noise).
            max_length: Token limit per pair; default :attr:`max_length`.

        Returns:
            One result per pair (empty for no pairs).

        Raises:
            ValueError: ``batch_size`` is below 1.
            RewardModelError: A pair's template alone exceeds ``max_length``. Any error fails the whole call;
                :class:`RewardBatcher` retries pairs alone to confine it.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        import torch

        encoded = [self.encode_pair(query, response, max_length) for query, response in pairs]
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].ids))
        rewards = [0.0] * len(encoded)
        with self._lock, torch.inference_mode():
            for start in range(0, len(order), batch_size):
                rows = order[start : start + batch_size]
                input_ids, attention_mask = self._pad([encoded[i].ids for i in rows])
                logits = self._model(input_ids=input_ids, attention_mask=attention_mask).logits
                for i, value in zip(rows, logits[:, 0].float().tolist(), strict=True):
                    rewards[i] = value
        return [PairReward(reward, pair.truncated) for reward, pair in zip(rewards, encoded, strict=True)]

    def _pad(self, sequences: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Right-pad with the config's pad id (the id pooling looks for) and build the attention mask."""
        import torch

        width = max(len(ids) for ids in sequences)
        input_ids = torch.full((len(sequences), width), self._pad_id, dtype=torch.long)
        attention_mask = torch.zeros((len(sequences), width), dtype=torch.long)
        for row, ids in enumerate(sequences):
            input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
            attention_mask[row, : len(ids)] = 1
        return input_ids.to(self.device), attention_mask.to(self.device)


_CACHE: dict[tuple[str, str, str], RewardModel] = {}
_CACHE_LOCK = threading.Lock()


def _default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def checkpoint_dir(checkpoint: str | Path) -> Path:
    """Resolve a checkpoint folder and check it holds a ``config.json``.

    Raises:
        RewardModelError: It does not.
    """
    path = Path(checkpoint).expanduser().resolve()
    if not (path / "config.json").is_file():
        raise RewardModelError(f"{checkpoint}: not a model checkpoint folder (no config.json)")
    return path


def missing_threshold_message(checkpoint: str | Path) -> str:
    """The error text for a checkpoint without a threshold: what is missing and how to fit one."""
    return (
        f"The reward model at {checkpoint} has no threshold ({THRESHOLD_FILENAME}), so it cannot give good/bad "
        f"verdicts. Fit one on labelled dev rows with {FIT_COMMAND}, or pass threshold=... explicitly."
    )


def judgement_from_reward(reward: float, threshold: float, checkpoint: str, truncated: bool = False) -> Judgement:
    """Turn a raw reward into a verdict: good iff ``reward >= threshold``.

    A non-finite reward (e.g. a half-precision overflow) is no verdict (unscored), never bad.

    Args:
        reward: The raw reward.
        threshold: The cut.
        checkpoint: The checkpoint path, for the trace.
        truncated: Whether the pair was cut to fit the model; recorded in the trace only when true.

    Returns:
        The judgement; its trace holds the reward, the threshold and the checkpoint (and ``truncated: True``).
    """
    step: dict[str, Any] = {"agent": "reward_model", "checkpoint": checkpoint, "reward": reward, "threshold": threshold}
    if truncated:
        step["truncated"] = True
    trace = (step,)
    if not math.isfinite(reward):
        return Judgement(None, f"non-finite reward {reward}", trace)
    good = reward >= threshold
    reason = f"reward {reward:.4f} {'>=' if good else '<'} threshold {threshold:.4f}"
    return Judgement("good" if good else "bad", reason, trace)


def _resolve_threshold(model: RewardModel, threshold: float | None) -> float:
    if threshold is not None:
        return threshold
    if model.threshold is None:
        raise RewardModelError(missing_threshold_message(model.path))
    return model.threshold


@dataclass(eq=False)
class _Request:
    pair: tuple[str, str]
    done: anyio.Event
    result: PairReward | None = None
    error: Exception | None = None

    @property
    def finished(self) -> bool:
        return self.result is not None or self.error is not None


class RewardBatcher:
    """Gathers concurrent single-pair requests on one model into batched forwards.

    The first request to arrive while no batch is running waits :data:`DEFAULT_WAIT_S` for company, then takes
    every pending request as one batch and runs it in a worker thread; requests arriving meanwhile wait, and when
    the batch finishes the oldest of them leads the next batch (so under load a batch is everything that arrived
    during the previous forward). A leader that is cancelled hands the lead to the next waiter. Works under any
    anyio backend; one batcher belongs to one event loop at a time.

    Fault isolation: when a batched forward raises, every pair of that batch is retried alone, so only a pair
    that fails by itself gets an error (:class:`RewardForwardError`); its neighbours get their rewards. A batch
    that fails for a reason shared by all (out of memory on every pair) costs one forward per pair to find out.

    Attributes:
        model: The reward model.
        batch_size: Pairs per forward pass within a batch.
        wait_s: How long a leader waits before taking its batch.
        max_length: Token limit per pair; None for the model's own (:attr:`RewardModel.max_length`).
    """

    def __init__(
        self,
        model: RewardModel,
        batch_size: int = DEFAULT_BATCH_SIZE,
        wait_s: float = DEFAULT_WAIT_S,
        max_length: int | None = None,
    ):
        """Batch requests on ``model``; see the class docstring."""
        self.model = model
        self.batch_size = batch_size
        self.wait_s = wait_s
        self.max_length = max_length
        self._pending: list[_Request] = []
        self._running = False

    async def reward(self, query: str, response: str) -> float:
        """The raw reward of one pair (:meth:`score` without the truncation flag)."""
        return (await self.score(query, response)).reward

    async def score(self, query: str, response: str) -> PairReward:
        """The raw reward of one pair and its truncation flag, computed in a batch with whatever else is pending.

        Raises:
            RewardForwardError: The model failed on this pair alone (the cause is the model's error), or the
                batch was interrupted.
        """
        request = _Request((query, response), anyio.Event())
        self._pending.append(request)
        try:
            while not request.finished:
                if self._running:
                    request.done = anyio.Event()
                    await request.done.wait()
                else:
                    await self._run_batch()
        finally:
            if request in self._pending:  # cancelled before its batch was taken
                self._pending.remove(request)
            if self._pending and not self._running:
                self._pending[0].done.set()  # hand the lead on
        if request.error is not None:
            raise request.error
        assert request.result is not None
        return request.result

    async def _run_batch(self) -> None:
        self._running = True
        batch: list[_Request] = []
        try:
            await anyio.sleep(self.wait_s)
            batch, self._pending = self._pending, []
            await anyio.to_thread.run_sync(self._forward, batch)
        finally:
            self._running = False
            for request in batch:
                if not request.finished:  # the forward never reported (interrupted): fail rather than retry forever
                    request.error = RewardForwardError("the reward batch was interrupted")
                request.done.set()

    def _forward(self, batch: list[_Request]) -> None:
        """Score a batch in this (worker) thread; on failure retry each pair alone (see the class docstring)."""
        try:
            results = self.model.score_pairs([request.pair for request in batch], self.batch_size, self.max_length)
        except Exception as err:
            if len(batch) > 1:
                for request in batch:
                    self._forward([request])
                return
            error = RewardForwardError(f"the reward model failed on this pair ({type(err).__name__}: {err})")
            error.__cause__ = err
            batch[0].error = error
        else:
            for request, result in zip(batch, results, strict=True):
                request.result = result


async def reward_judgement(
    batcher: RewardBatcher, query: str, response: str, threshold: float | None = None
) -> Judgement:
    """Judge one greeting with a reward model; concurrent calls on one batcher share forward passes.

    Takes a :class:`RewardBatcher` (``RewardBatcher(model)``) rather than the bare model so that concurrent
    samples batch together; the forward runs in a worker thread, never on the event loop.

    Args:
        batcher: The batcher over the reward model.
        query: The bare greeting request (see :func:`reward_conversation`).
        response: The greeting; an empty one is still scored by the model.
        threshold: The cut; default the checkpoint's stored threshold.

    Returns:
        The judgement (unscored only for a non-finite reward); its trace says ``truncated`` when the pair was cut.

    Raises:
        RewardModelError: No ``threshold`` given and the checkpoint has none stored.
        RewardForwardError: The model failed on this pair alone.
    """
    cut = _resolve_threshold(batcher.model, threshold)
    result = await batcher.score(query, response)
    return judgement_from_reward(result.reward, cut, str(batcher.model.path), result.truncated)


async def reward_judgements(
    model: RewardModel,
    pairs: Sequence[tuple[str, str]],
    threshold: float | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> list[Judgement]:
    """Judge many (query, response) pairs in batched forwards, in a worker thread.

    Args:
        model: The reward model.
        pairs: (bare query, response) pairs.
        threshold: The cut; default the checkpoint's stored threshold.
        batch_size: Pairs per forward pass.

    Returns:
        One judgement per pair, in order.

    Raises:
        RewardModelError: No ``threshold`` given and the checkpoint has none stored.
    """
    cut = _resolve_threshold(model, threshold)
    rewards = await anyio.to_thread.run_sync(model.rewards, list(pairs), batch_size)
    return [judgement_from_reward(reward, cut, str(model.path)) for reward in rewards]


def rows_digest(rows: Sequence[LabelledGreeting]) -> str:
    """SHA-256 (hex) of the rows' (query, response, label) in order, as compact JSON: which rows a fit saw."""
    content = [[row.query, row.response, row.label] for row in rows]
    return sha256_hex(json.dumps(content, ensure_ascii=False, separators=(",", ":")))


def fit_and_save_threshold(
    checkpoint: str | Path,
    rows: EvalSplit | Sequence[LabelledGreeting],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: str | None = None,
    dtype: str | None = None,
) -> StoredThreshold:
    """Score labelled rows with a checkpoint, fit its threshold (:func:`harness.stats.fit_threshold`), store it.

    Given an :class:`~harness.data.EvalSplit`, fits on its dev side and records the split's provenance; given
    rows, records their count and digest. Either way ``fit_on`` also records the rows' digest, the device and the
    dtype. An existing threshold file is replaced; every cached :class:`RewardModel` of this checkpoint (any device,
    any dtype) sees the new threshold at once.

    Args:
        checkpoint: The reward-model folder (written to).
        rows: An eval split (its dev side is used) or labelled rows.
        batch_size: Pairs per forward pass.
        device: As :meth:`RewardModel.load`.
        dtype: As :meth:`RewardModel.load`.

    Returns:
        What was stored.

    Raises:
        ValueError: The rows are empty or hold only one label (a cut fitted there separates nothing).
        RewardModelError: As :meth:`RewardModel.load`.
    """
    if isinstance(rows, EvalSplit):
        fit_rows, fit_on = rows.dev, {"side": "dev", "split": rows.to_dict()}
    else:
        fit_rows, fit_on = tuple(rows), {}
    labels = [row.label for row in fit_rows]
    if len(set(labels)) < 2:
        raise ValueError(f"fitting a threshold needs rows of both labels; got {len(labels)} rows, labels {set(labels)}")
    model = RewardModel.load(checkpoint, device=device, dtype=dtype)
    rewards = model.rewards([(row.query, row.response) for row in fit_rows], batch_size)
    cut = fit_threshold(rewards, labels)
    stored = StoredThreshold(
        threshold=cut,
        fit_on={
            **fit_on,
            "rows": len(fit_rows),
            "rows_sha256": rows_digest(fit_rows),
            "device": model.device,
            "dtype": model.dtype,
        },
        dev_accuracy=cut_accuracy(rewards, labels, cut),
        n=len(fit_rows),
    )
    save_threshold(model.path, stored)
    with _CACHE_LOCK:
        for (path, _, _), loaded in _CACHE.items():
            if path == str(model.path):
                loaded.stored = stored
    return stored


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
