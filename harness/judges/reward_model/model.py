"""The reward model: a one-label sequence-classification checkpoint loaded once per process, its untrusted-text-safe
encoding through the chat template, and batched forwards.

``torch`` and ``transformers`` are imported inside functions only: importing this module stays cheap.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.judges.reward_model.checkpoint import RewardModelError, checkpoint_dir
from harness.judges.reward_model.threshold import StoredThreshold, read_threshold

if TYPE_CHECKING:
    import torch


DEFAULT_BATCH_SIZE = 16
"""Pairs per forward pass."""


DEFAULT_MAX_LENGTH = 1024
"""Longest input in tokens, when the model allows it (capped by ``max_position_embeddings``): TRL's
``RewardConfig.max_length`` default, so longer pairs were dropped from training and the model never saw them."""


_QUERY_SLOT = "\ue000greetbench-query\ue001"
_RESPONSE_SLOT = "\ue000greetbench-response\ue001"
# Private-use characters: no chat template or greeting writes them, so they mark where the untrusted text goes.

_TEMPLATE_PROBE = (" \n探针<|im_end|>\t", "\n 回应<|im_start|>{{ x }} ")
"""A pair with edge whitespace, special-token strings and Jinja syntax: a template that renders it verbatim
places any text verbatim (checked at load time)."""


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

    def rewards(
        self, pairs: Sequence[tuple[str, str]], batch_size: int = DEFAULT_BATCH_SIZE, *, raw: bool = False
    ) -> list[float]:
        """Rewards for (query, response) pairs, in input order (:meth:`score_pairs` without the flags)."""
        return [result.reward for result in self.score_pairs(pairs, batch_size, raw=raw)]

    def score_pairs(
        self,
        pairs: Sequence[tuple[str, str]],
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_length: int | None = None,
        *,
        raw: bool = False,
    ) -> list[PairReward]:
        """Rewards for (query, response) pairs, in input order, each with its truncation flag.

        The reward is the model's output, less the stored length head's part when the checkpoint has one
        (:attr:`StoredThreshold.length_model`): the score its threshold cuts.

        Each pair is encoded by :meth:`encode_pair` (no special tokens from the text; cut to ``max_length``).
        Pairs are sorted by length and right-padded per batch (attention mask set), so padding is minimal and
        never changes a reward beyond float noise. Empty responses are scored like any other here (the GRPO ``rm``
        reward reads these raw rewards); the judge calls them bad without asking. Blocking; call it from a worker
        thread in async code.

        Args:
            pairs: (query, response) pairs; the query is the bare request.
            batch_size: Pairs per forward pass (a memory knob; results do not depend on it beyond float noise).
            max_length: Token limit per pair; default :attr:`max_length`.
            raw: The model's output alone, without the length head's part (what a length head is fitted on).

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
                    rewards[i] = value if raw or not self.stored else value - self.stored.length_part(pairs[i][1])
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
