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
``wait_s``) and share settings run as one left-padded batch, shortest first (padding costs what tokens cost on a
CPU); the next batch forms from whatever queued meanwhile, with no idle wait; its own decode loop drops a row from
the batch as soon as it stops, so one rambling row no longer makes every neighbour compute to ``max_tokens``; each
row reports its own token count and stop reason; ``temperature`` 0 is greedy; logprobs are recorded step by step as
top-k plus the generated token's own logprob (memory bounded by one step's logits), with real bytes. One batch
runs at a time per model, in a worker thread, so the event loop stays free.

Judge prompts share a long prefix (system prompt, rules, instructions: 226 of ~360 tokens for the principle
judge), so the batcher keeps the key/value cache of the last common prefix and
runs only each row's own tokens: rows are laid out as ``prefix + padding + own tokens``, the padding masked out,
and the output is the same as without the cache (tested).
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
from transformers import DynamicCache

from harness.models.tokens import token_bytes

DEFAULT_MAX_BATCH = 32
"""Rows per ``generate`` call (Inspect's hf default ``max_connections``)."""

DEFAULT_WAIT_S = 0.05
"""How long the first request of a batch waits for concurrent requests to join it."""

MAX_PADDING_SHARE = 0.25
"""Most share of a batch's computed tokens that may be padding (see :func:`low_padding_batch`)."""

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
        seed: Seed set before sampling (a sampled request with a seed runs alone, so the seed means what it says
            whatever else is queued; greedy requests ignore it and batch as usual).
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


@dataclass
class _Request:
    ids: list[int]
    settings: Settings
    future: asyncio.Future[Generated]


@dataclass
class _Queue:
    pending: list[_Request] = field(default_factory=list)
    runner: asyncio.Task[None] | None = None


def low_padding_batch(requests: list[_Request], limit: int) -> list[_Request]:
    """The next batch: the shortest requests, as many as fit before padding exceeds :data:`MAX_PADDING_SHARE`.

    Rows of a batch are padded to its longest, and on a CPU a padding token costs what a real token costs (prompt
    processing there is compute-bound, about as fast per token at batch 1 as at batch 32), so a batch stops
    growing when the next, longer row would make padding more than that share of the tokens it computes. Lengths
    are counted after the requests' common prefix, which the prefix cache serves. Always at least one request.
    """
    ordered = sorted(requests, key=lambda r: len(r.ids))[:limit]
    shared = _common_prefix([r.ids for r in ordered], len(ordered[0].ids) - 1) if len(ordered) > 1 else 0
    batch: list[_Request] = []
    real = 0
    for request in ordered:
        own = len(request.ids) - shared
        if batch and (len(batch) + 1) * own * (1 - MAX_PADDING_SHARE) > real + own:
            break
        batch.append(request)
        real += own
    return batch


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
            limit = 1 if first.seed is not None and not first.greedy else self.max_batch
            batch = low_padding_batch([r for r in queue.pending if r.settings == first], limit)
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
            cache = self._prefix_cache_for(rows[0][:shared], len(rows)) if shared else DynamicCache()
            if settings.seed is not None:
                torch.manual_seed(settings.seed)
            decoded = self._decode(input_ids[:, shared:], attention, cache, settings)
        seconds = time.monotonic() - started
        return [
            self._row(tokens, steps, len(request.ids), settings, seconds, len(batch))
            for (tokens, steps), request in zip(decoded, batch, strict=True)
        ]

    def _decode(
        self, input_ids: torch.Tensor, attention: torch.Tensor, cache: DynamicCache, settings: Settings
    ) -> list[tuple[list[int], list[TokenLogprob]]]:
        """Decode every row until it stops or reaches ``max_new_tokens``; a finished row leaves the batch.

        ``transformers``' ``generate`` keeps computing a finished row until the batch's longest row stops (on a
        CPU that multiplied the cost of a judge's reasons by the longest one's length); here each step runs only
        the rows still writing. Greedy rows take the most likely token, exactly as ``generate`` does.

        Args:
            input_ids: The tokens not yet in ``cache`` (rows x tokens).
            attention: The mask over the cached and the new tokens (rows x all tokens); 0 marks padding.
            cache: The key/value cache of the tokens before ``input_ids`` (empty when nothing is cached).
            settings: How to pick tokens and whether to record logprobs.

        Returns:
            Per row, its generated token ids (its stop token included) and, when logprobs are asked for, one
            :class:`TokenLogprob` per content token: the model's own log-probabilities (before temperature or
            top-k/top-p), so a sampled token's logprob may be below the top alternative's.
        """
        device = self.model.device
        n = input_ids.shape[0]
        positions = (attention.cumsum(-1) - 1).clamp(min=0)
        step_positions = positions[:, -input_ids.shape[1] :]
        active = list(range(n))
        tokens: list[list[int]] = [[] for _ in range(n)]
        steps: list[list[TokenLogprob]] = [[] for _ in range(n)]
        for _ in range(settings.max_new_tokens):
            out = self.model(
                input_ids=input_ids.to(device),
                attention_mask=attention.to(device),
                position_ids=step_positions.to(device),
                past_key_values=cache,
                use_cache=True,
                logits_to_keep=1,
            )
            logits = out.logits[:, -1, :].float().cpu()
            chosen = logits.argmax(-1) if settings.greedy else self._sample(logits, settings)
            logp = top = None
            if settings.top_logprobs is not None:
                logp = torch.log_softmax(logits, dim=-1)
                top = logp.topk(min(settings.top_logprobs or 1, logp.shape[-1]), dim=-1)
            keep: list[int] = []
            for j, row in enumerate(active):
                token = int(chosen[j])
                tokens[row].append(token)
                stopped = token in self.stop_ids
                if logp is not None and top is not None and not stopped:
                    alternatives = tuple(
                        (self._bytes(int(i)), float(v)) for v, i in zip(top.values[j], top.indices[j], strict=True)
                    )
                    steps[row].append(TokenLogprob(self._bytes(token), float(logp[j, token]), alternatives))
                if not stopped and len(tokens[row]) < settings.max_new_tokens:
                    keep.append(j)
            if not keep:
                break
            if len(keep) < len(active):
                index = torch.tensor(keep)
                cache.batch_select_indices(index.to(device))
                attention, step_positions, chosen = attention[index], step_positions[index], chosen[index]
                active = [active[j] for j in keep]
            attention = torch.cat([attention, torch.ones(len(active), 1, dtype=attention.dtype)], dim=1)
            step_positions = step_positions[:, -1:] + 1
            input_ids = chosen[:, None]
        return list(zip(tokens, steps, strict=True))

    def _sample(self, logits: torch.Tensor, settings: Settings) -> torch.Tensor:
        """One sampled token per row under ``settings``' temperature, top-k and top-p (the model's defaults where
        a setting is unset, as ``generate`` uses them)."""
        defaults = self.model.generation_config
        temperature = settings.temperature if settings.temperature is not None else defaults.temperature
        top_k = settings.top_k if settings.top_k is not None else defaults.top_k
        top_p = settings.top_p if settings.top_p is not None else defaults.top_p
        if temperature:
            logits = logits / temperature
        if top_k:
            kth = logits.topk(min(top_k, logits.shape[-1]), dim=-1).values[:, -1:]
            logits = logits.masked_fill(logits < kth, float("-inf"))
        if top_p is not None and top_p < 1.0:
            ordered, order = logits.sort(dim=-1, descending=True)
            probs = ordered.softmax(dim=-1)
            # Drop a token once the mass before it already reaches top_p (the most likely token always stays).
            ordered = ordered.masked_fill(probs.cumsum(dim=-1) - probs >= top_p, float("-inf"))
            logits = torch.full_like(logits, float("-inf")).scatter(1, order, ordered)
        return torch.multinomial(logits.softmax(dim=-1), 1).squeeze(1)

    def _row(
        self,
        tokens: list[int],
        steps: list[TokenLogprob],
        input_tokens: int,
        settings: Settings,
        seconds: float,
        batch_size: int,
    ) -> Generated:
        stopped = bool(tokens) and tokens[-1] in self.stop_ids
        content = tokens[:-1] if stopped else tokens
        return Generated(
            text=self.tokenizer.decode(content, skip_special_tokens=True, clean_up_tokenization_spaces=False),
            input_tokens=input_tokens,
            output_tokens=len(tokens),
            stop_reason="stop" if stopped else "max_tokens",
            logprobs=tuple(steps) if settings.top_logprobs is not None else None,
            seconds=seconds,
            batch_size=batch_size,
        )

    def _bytes(self, token_id: int) -> bytes:
        piece = self.tokenizer.convert_ids_to_tokens(token_id)
        return token_bytes(piece) if isinstance(piece, str) else b""
