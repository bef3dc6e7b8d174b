"""The ``embedded`` provider's class: Inspect's HuggingFaceAPI pointed at a converted embedded model.

Imports torch, transformers and Inspect's hf provider at module top, so only
:mod:`harness.models.provider` imports it, lazily.
"""

from __future__ import annotations

import contextvars
import weakref
from dataclasses import dataclass
from typing import Any

import torch
from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    GenerateConfig,
    Logprob,
    Logprobs,
    ModelAPI,
    ModelOutput,
    ModelUsage,
    TopLogprob,
)
from inspect_ai.model._providers.hf import HuggingFaceAPI
from inspect_ai.tool import ToolChoice, ToolInfo

from harness.models.batching import BatchedGenerator, Generated, Settings
from harness.models.embedded import ensure_embedded_model
from harness.models.provider import check_model_name

GPU_DTYPE = torch.bfloat16
CPU_DTYPE = torch.float32
"""On a CPU without AMX, bf16 runs slower than float32 (measured on 2 Xeon cores with AVX-512 bf16: a batch-32
decode step took ~1.1 s in bf16 and ~0.4 s in float32); the 0.5B model's float32 copy needs 2 GB of memory."""
GREEDY_TEMPERATURE = 0.0
"""A request at this temperature (or below) decodes greedily instead of sampling."""

_greedy_call: contextvars.ContextVar[bool] = contextvars.ContextVar("embedded_greedy_call", default=False)
"""True inside a greedy ``generate`` call (per asyncio task, so concurrent sampled calls are unaffected)."""


def default_device() -> str:
    """Return ``"cuda:0"`` when CUDA is available, else ``"cpu"`` (never MPS: bf16 there is unreliable)."""
    return "cuda:0" if torch.cuda.is_available() else "cpu"


@dataclass(eq=False)
class LoadedModel:
    """One load of an embedded model in this process, shared by every provider instance with the same arguments.

    Inspect makes a provider instance per use of a model name (the model under test, each role bound to it, a
    model-info lookup); without sharing, each would load the weights again (2 GB for the 0.5B in float32).

    Attributes:
        state: What ``HuggingFaceAPI.__init__`` set on the first instance (model, tokenizer, options).
        batcher: The one batcher over these weights, so that their calls batch together and never run at once.
    """

    state: dict[str, Any]
    batcher: BatchedGenerator | None = None


_LOADED: weakref.WeakValueDictionary[str, LoadedModel] = weakref.WeakValueDictionary()
"""Loads alive in this process by their model arguments; one goes when no instance holds it any more."""


class EmbeddedHuggingFaceAPI(HuggingFaceAPI):
    """HuggingFaceAPI serving the embedded models (``embedded/qwen2.5-coder-0.5b-instruct`` and
    ``embedded/qwen2.5-coder-1.5b-instruct``) from their converted cache folders.

    Defaults (a caller's model_args win): ``model_path`` the named model's converted folder (converted only
    when no ``model_path`` is given), ``device``
    CUDA if available else CPU, ``dtype`` bf16 on GPU and float32 on CPU. ``temperature=0`` decodes greedily
    (plain HuggingFaceAPI would pass it to a sampler, which transformers rejects).

    Plain text generation (no tools, no stop strings) goes through :class:`~harness.models.batching.BatchedGenerator`
    instead of Inspect's batch thread: no 2 s idle wait or 1 s polling, each call's own token count and stop
    reason, bounded-memory logprobs with real bytes (see that module for the measured reasons).
    """

    greedy_at_zero_temperature = True
    """Read by :mod:`harness.judges.generate`: this provider takes ``temperature=0`` as greedy decoding."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),  # noqa: B008 (Inspect's own signature)
        **model_args: Any,
    ) -> None:
        """Check the name, make sure the model is converted, then load it through HuggingFaceAPI (once per process
        for the same arguments: a second instance shares the first's :class:`LoadedModel`).

        Raises:
            ValueError: If ``model_name`` is not an embedded model's name; nothing is converted.
            EmbeddedModelError: If the model's chunk packages are missing (naming the extra to install) or
                its conversion fails.
        """
        spec = check_model_name(model_name)
        if "model_path" not in model_args:
            model_args["model_path"] = str(ensure_embedded_model(spec=spec))
        model_args.setdefault("device", default_device())
        model_args.setdefault("dtype", CPU_DTYPE if model_args["device"] == "cpu" else GPU_DTYPE)
        key = repr(sorted((name, str(value)) for name, value in model_args.items()))
        loaded = _LOADED.get(key)
        if loaded is None:
            super().__init__(model_name, base_url=base_url, api_key=api_key, config=config, **model_args)
            loaded = _LOADED[key] = LoadedModel(state=dict(vars(self)))
        else:  # the weights this process already holds: only the per-instance fields are set anew
            vars(self).update(loaded.state)
            ModelAPI.__init__(self, model_name, base_url, api_key, self.api_key_vars, config)
        self._loaded = loaded

    @property
    def batcher(self) -> BatchedGenerator:
        """The batcher over the loaded model (made on first use, shared by every instance over these weights)."""
        if self._loaded.batcher is None:
            self._loaded.batcher = BatchedGenerator(self.model, self.tokenizer, max_batch=self.max_connections())
        return self._loaded.batcher

    @property
    def do_sample(self) -> bool:
        """Whether to sample: the configured value, except ``False`` inside a greedy (temperature 0) call."""
        return self._do_sample and not _greedy_call.get()

    @do_sample.setter
    def do_sample(self, value: bool) -> None:
        self._do_sample = value

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        """Generate through the batcher; calls with tools or stop strings go to HuggingFaceAPI.

        At temperature 0 both paths decode greedily.
        """
        if not tools and not config.stop_seqs:
            return await self._generate_batched(input, config)
        if config.temperature is None or config.temperature > GREEDY_TEMPERATURE:
            return await super().generate(input, tools, tool_choice, config)
        greedy = config.model_copy(update={"temperature": None, "top_p": None, "top_k": None})
        token = _greedy_call.set(True)
        try:
            return await super().generate(input, tools, tool_choice, greedy)
        finally:
            _greedy_call.reset(token)

    async def _generate_batched(self, input: list[ChatMessage], config: GenerateConfig) -> ModelOutput:
        greedy = not self._do_sample or (config.temperature is not None and config.temperature <= GREEDY_TEMPERATURE)
        settings = Settings(
            max_new_tokens=config.max_tokens or self.max_tokens() or 1,
            greedy=greedy,
            temperature=config.temperature,
            top_p=config.top_p,
            top_k=config.top_k,
            top_logprobs=(config.top_logprobs or 1) if config.logprobs else None,
            seed=config.seed,
        )
        generated = await self.batcher.generate(self.hf_chat(input, []), settings)
        return output_of(generated, self.model_name)


def output_of(generated: Generated, model_name: str) -> ModelOutput:
    """An Inspect ``ModelOutput`` for one batched row: its own usage and stop reason, logprobs with real bytes."""
    logprobs = None
    if generated.logprobs is not None:
        logprobs = Logprobs(
            content=[
                Logprob(
                    token=step.token.decode("utf-8", errors="replace"),
                    logprob=step.logprob,
                    bytes=list(step.token),
                    top_logprobs=[
                        TopLogprob(token=text.decode("utf-8", errors="replace"), logprob=value, bytes=list(text))
                        for text, value in step.top
                    ],
                )
                for step in generated.logprobs
            ]
        )
    return ModelOutput(
        model=model_name,
        choices=[
            ChatCompletionChoice(
                message=ChatMessageAssistant(content=generated.text, model=model_name, source="generate"),
                stop_reason="stop" if generated.stop_reason == "stop" else "max_tokens",
                logprobs=logprobs,
            )
        ],
        usage=ModelUsage(
            input_tokens=generated.input_tokens,
            output_tokens=generated.output_tokens,
            total_tokens=generated.input_tokens + generated.output_tokens,
        ),
        time=generated.seconds,
        metadata={"batch_size": generated.batch_size},
    )
