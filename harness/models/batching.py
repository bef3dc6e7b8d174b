"""Batched local generation that costs what the tokens cost: the in-process path of the embedded models.

Inspect's ``hf`` provider (0.3.285) is why an in-process judge call took 4-24 s where the model needs 0.2-2 s:

- its batch thread waits until no request has arrived for 2 s before it starts a batch;
- each caller polls its result with ``anyio.sleep(1)``, so every call waits up to one more second;
- a batch runs until its longest member stops, and every member reports that batch length as its
  ``output_tokens`` (hence "200 output tokens" per judge call: one rambling neighbour hit ``max_tokens``), with
  ``stop_reason`` ``unknown``;
- it passes ``temperature=0`` to transformers' sampler, which raises;
- its logprobs keep the full-vocabulary logits of every step (batch x steps x 152k floats), name the top-1 token
  rather than the generated one, and report a byte-level BPE string's code points as its bytes.

:class:`BatchedGenerator` does the same job without those costs: requests that arrive together (within
``wait_s``) and share settings run as one left-padded ``generate``; the next batch forms from whatever queued
meanwhile, with no idle wait; each row reports its own token count and stop reason; ``temperature`` 0 is greedy;
logprobs are recorded step by step as top-k plus the generated token's own logprob (memory bounded by one
step's logits), with real bytes. One ``generate`` runs at a time per model, in a worker thread, so the event
loop stays free.

Judge prompts share a long prefix (system prompt, rules, instructions: 226 of ~360 tokens for the principle
judge), so the batcher keeps the key/value cache of the last common prefix and runs only each row's own tokens:
rows are laid out as ``prefix + padding + own tokens``, the padding masked out, and the output is the same as
without the cache (tested).
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

import anyio
import torch
from transformers import DynamicCache, LogitsProcessor, LogitsProcessorList

from harness.models.tokens import token_bytes

DEFAULT_MAX_BATCH = 32
"""Rows per ``generate`` call (Inspect's hf default ``max_connections``)."""

DEFAULT_WAIT_S = 0.01
"""How long the first request of a batch waits for concurrent requests to join it."""

MIN_PREFIX_TOKENS = 32
"""A common prefix shorter than this is not worth caching."""


@dataclass(frozen=True)
class Settings:
    """Generation settings; requests share a batch only when these are equal.

    Attributes:
        max_new_tokens: Most tokens to generate.
        greedy: Decode greedily (a temperature of 0, or sampling switched off for the model).
        temperature: Sampling temperature (ignored when greedy).
        top_p: Nucleus sampling mass (ignored when greedy).
        top_k: Top-k sampling (ignored when greedy).
        top_logprobs: Alternatives to record per generated token; None records no logprobs.
        seed: Seed set before sampling (a batch with a seed runs alone, so the seed means what it says).
    """

    max_new_tokens: int
    greedy: bool = True
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    top_logprobs: int | None = None
    seed: int | None = None


@dataclass(frozen=True)
class TokenLogprob:
    """One generated token: its bytes, logprob and the top alternatives as ``(bytes, logprob)``."""

    token: bytes
    logprob: float
    top: tuple[tuple[bytes, float], ...]


@dataclass(frozen=True)
class Generated:
    """One row's result.

    Attributes:
        text: The completion, special tokens removed.
        input_tokens: Prompt tokens of this row (padding excluded).
        output_tokens: Tokens this row generated, its stop token included.
        stop_reason: ``"stop"`` (an end-of-sequence token) or ``"max_tokens"``.
        logprobs: Per content token (the stop token excluded), when asked for.
        seconds: Wall time of the batch this row ran in.
        batch_size: Rows in that batch.
    """

    text: str
    input_tokens: int
    output_tokens: int
    stop_reason: str
    logprobs: tuple[TokenLogprob, ...] | None
    seconds: float
    batch_size: int


class _LogprobRecorder(LogitsProcessor):
    """Record each step's top-k log-probabilities and, one step later, the generated token's own.

    Only the current step's log-softmax is held (batch x vocab), so memory does not grow with the length of the
    completion. The scores seen are those after transformers' own processors (none for greedy decoding).
    """

    def __init__(self, k: int) -> None:
        self.k = k
        self.top: list[tuple[torch.Tensor, torch.Tensor]] = []
        self.chosen: list[torch.Tensor] = []
        self._last: torch.Tensor | None = None

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self._last is not None:
            self.chosen.append(self._last.gather(1, input_ids[:, -1:]).squeeze(1))
        logp = torch.log_softmax(scores.float(), dim=-1)
        values, indices = logp.topk(min(self.k, logp.shape[-1]), dim=-1)
        self.top.append((values, indices))
        self._last = logp
        return scores

    def finish(self, last_tokens: torch.Tensor) -> None:
        """Read the last step's generated tokens (no later call sees them)."""
        if self._last is not None:
            self.chosen.append(self._last.gather(1, last_tokens[:, None]).squeeze(1))
            self._last = None


@dataclass
class _Request:
    ids: list[int]
    settings: Settings
    future: asyncio.Future[Generated]


@dataclass
class _Queue:
    pending: list[_Request] = field(default_factory=list)
    runner: asyncio.Task[None] | None = None


def _common_prefix(rows: list[list[int]], limit: int) -> int:
    """How many leading tokens all ``rows`` share, at most ``limit``."""
    n, limit = 0, min(limit, *(len(r) for r in rows))
    while n < limit and all(r[n] == rows[0][n] for r in rows):
        n += 1
    return n


class BatchedGenerator:
    """Batch concurrent ``generate`` requests on one causal LM (see the module docstring).

    Safe to use from several event loops (an eval's and a GRPO reward's background loop): each loop has its own
    queue, and a lock lets one ``generate`` run at a time.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        max_batch: int = DEFAULT_MAX_BATCH,
        wait_s: float = DEFAULT_WAIT_S,
        prefix_cache: bool = True,
    ) -> None:
        """Wrap a loaded model and its tokenizer.

        Args:
            model: A transformers causal LM (on its device).
            tokenizer: Its tokenizer; needs a pad token (Inspect's hf provider sets it).
            max_batch: Most rows per ``generate``.
            wait_s: How long a new batch waits for concurrent requests.
            prefix_cache: Reuse the key/value cache of the rows' common prefix (see the module docstring).
        """
        self.model = model
        self.tokenizer = tokenizer
        self.max_batch = max_batch
        self.wait_s = wait_s
        self.prefix_cache = prefix_cache
        self._prefix: tuple[tuple[int, ...], DynamicCache] | None = None
        self._lock = threading.Lock()
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = weakref.WeakKeyDictionary()
        eos = model.generation_config.eos_token_id
        eos_ids = eos if isinstance(eos, list) else [eos]
        self.stop_ids = {int(i) for i in eos_ids if i is not None} | {int(tokenizer.eos_token_id)}

    async def generate(self, prompt: str, settings: Settings) -> Generated:
        """Generate one completion for an already-templated prompt, batched with concurrent requests.

        Raises:
            Exception: Whatever ``generate`` raised for this request (a failing batch is retried row by row, so
                one bad request never fails its neighbours).
        """
        ids = list(self.tokenizer(prompt)["input_ids"])
        loop = asyncio.get_running_loop()
        queue = self._queues.setdefault(loop, _Queue())
        future: asyncio.Future[Generated] = loop.create_future()
        queue.pending.append(_Request(ids, settings, future))
        if queue.runner is None or queue.runner.done():
            queue.runner = loop.create_task(self._drain(queue))
        return await future

    async def _drain(self, queue: _Queue) -> None:
        await asyncio.sleep(self.wait_s)
        while queue.pending:
            first = queue.pending[0].settings
            limit = 1 if first.seed is not None else self.max_batch
            batch = [r for r in queue.pending if r.settings == first][:limit]
            for request in batch:
                queue.pending.remove(request)
            try:
                results: list[Generated | BaseException] = list(await anyio.to_thread.run_sync(self._run, batch))
            except Exception as error:  # noqa: BLE001 (isolate the failing row, below)
                results = [error] if len(batch) == 1 else [await self._alone(request) for request in batch]
            for request, result in zip(batch, results, strict=True):
                if request.future.done():
                    continue
                if isinstance(result, BaseException):
                    request.future.set_exception(result)
                else:
                    request.future.set_result(result)

    async def _alone(self, request: _Request) -> Generated | BaseException:
        try:
            return (await anyio.to_thread.run_sync(self._run, [request]))[0]
        except Exception as error:  # noqa: BLE001 (returned to this request only)
            return error

    def _shared_prefix(self, rows: list[list[int]]) -> int:
        """Length of the prefix to serve from the cache: the rows' common prefix, leaving each row a token.

        The cached prefix is reused whenever every row starts with it. A row alone keeps only what it shares with
        the cached prefix, so a run of single calls settles on the part all judge prompts share.
        """
        if not self.prefix_cache:
            return 0
        limit = min(len(r) for r in rows) - 1
        n = _common_prefix(rows, limit)
        if self._prefix is not None:
            cached = list(self._prefix[0])
            shared_with_cache = _common_prefix([cached, *rows], limit)
            if shared_with_cache == len(cached):
                return shared_with_cache
            if len(rows) == 1:
                n = shared_with_cache
        return n if n >= MIN_PREFIX_TOKENS else 0

    def _prefix_cache_for(self, prefix: list[int], rows: int) -> DynamicCache:
        """A fresh cache holding ``prefix``'s keys and values for ``rows`` rows (computed once, then reused)."""
        key = tuple(prefix)
        if self._prefix is None or self._prefix[0] != key:
            cache = DynamicCache()
            self.model(
                input_ids=torch.tensor([prefix], device=self.model.device), past_key_values=cache, use_cache=True
            )
            self._prefix = (key, cache)
        expanded = DynamicCache()
        for index, layer in enumerate(self._prefix[1].layers):
            expanded.update(layer.keys.repeat(rows, 1, 1, 1), layer.values.repeat(rows, 1, 1, 1), index)
        return expanded

    def _run(self, batch: list[_Request]) -> list[Generated]:
        settings = batch[0].settings
        started = time.monotonic()
        pad = self.tokenizer.pad_token_id
        rows = [r.ids for r in batch]
        with self._lock, torch.inference_mode():
            shared = self._shared_prefix(rows)
            own = max(len(r) - shared for r in rows)
            # prefix + padding + own tokens: the padding is masked, positions follow the mask.
            input_ids = torch.tensor([r[:shared] + [pad] * (own - len(r) + shared) + r[shared:] for r in rows])
            attention = torch.tensor(
                [[1] * shared + [0] * (own - len(r) + shared) + [1] * (len(r) - shared) for r in rows]
            )
            width = input_ids.shape[1]
            kwargs: dict[str, Any] = {
                "max_new_tokens": settings.max_new_tokens,
                "do_sample": not settings.greedy,
                "pad_token_id": pad,
                "return_dict_in_generate": True,
            }
            if shared:
                kwargs["past_key_values"] = self._prefix_cache_for(rows[0][:shared], len(rows))
            if settings.greedy:
                # The model's generation_config may carry sampling defaults; greedy decoding ignores them, quietly.
                kwargs.update(temperature=None, top_p=None, top_k=None)
            else:
                sampling = (("temperature", settings.temperature), ("top_p", settings.top_p), ("top_k", settings.top_k))
                kwargs.update({k: v for k, v in sampling if v is not None})
            recorder = _LogprobRecorder(settings.top_logprobs or 1) if settings.top_logprobs is not None else None
            if recorder is not None:
                kwargs["logits_processor"] = LogitsProcessorList([recorder])
            if settings.seed is not None:
                torch.manual_seed(settings.seed)
            device = self.model.device
            out = self.model.generate(input_ids=input_ids.to(device), attention_mask=attention.to(device), **kwargs)
        generated = out.sequences[:, width:].cpu()
        if recorder is not None and generated.shape[1]:
            recorder.finish(out.sequences[:, -1])
        seconds = time.monotonic() - started
        return [
            self._row(generated[i], len(request.ids), settings, recorder, i, seconds, len(batch))
            for i, request in enumerate(batch)
        ]

    def _row(
        self,
        tokens: torch.Tensor,
        input_tokens: int,
        settings: Settings,
        recorder: _LogprobRecorder | None,
        row: int,
        seconds: float,
        batch_size: int,
    ) -> Generated:
        ids = tokens.tolist()
        end = next((i for i, t in enumerate(ids) if t in self.stop_ids), None)
        stopped = end is not None
        content = ids[:end] if stopped else ids
        logprobs = None
        if recorder is not None:
            logprobs = tuple(
                TokenLogprob(
                    self._bytes(token),
                    float(recorder.chosen[step][row]),
                    tuple(
                        (self._bytes(int(i)), float(v))
                        for v, i in zip(recorder.top[step][0][row], recorder.top[step][1][row], strict=True)
                    ),
                )
                for step, token in enumerate(content)
            )
        return Generated(
            text=self.tokenizer.decode(content, skip_special_tokens=True, clean_up_tokenization_spaces=False),
            input_tokens=input_tokens,
            output_tokens=len(content) + int(stopped),
            stop_reason="stop" if stopped else "max_tokens",
            logprobs=logprobs,
            seconds=seconds,
            batch_size=batch_size,
        )

    def _bytes(self, token_id: int) -> bytes:
        piece = self.tokenizer.convert_ids_to_tokens(token_id)
        return token_bytes(piece) if isinstance(piece, str) else b""
