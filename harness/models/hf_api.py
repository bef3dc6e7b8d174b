"""The ``embedded`` provider's class: Inspect's HuggingFaceAPI pointed at a converted embedded model.

Imports torch, transformers and Inspect's hf provider at module top, so only
:mod:`harness.models.provider` imports it, lazily.
"""

from __future__ import annotations

import contextvars
from typing import Any

import torch
from inspect_ai.model import ChatMessage, GenerateConfig, ModelOutput
from inspect_ai.model._providers.hf import HuggingFaceAPI
from inspect_ai.tool import ToolChoice, ToolInfo

from harness.models.embedded import ensure_embedded_model
from harness.models.provider import check_model_name

DEFAULT_DTYPE = torch.bfloat16
GREEDY_TEMPERATURE = 0.0
"""A request at this temperature (or below) decodes greedily instead of sampling."""

_greedy_call: contextvars.ContextVar[bool] = contextvars.ContextVar("embedded_greedy_call", default=False)
"""True inside a greedy ``generate`` call (per asyncio task, so concurrent sampled calls are unaffected)."""


def default_device() -> str:
    """Return ``"cuda:0"`` when CUDA is available, else ``"cpu"`` (never MPS: bf16 there is unreliable)."""
    return "cuda:0" if torch.cuda.is_available() else "cpu"


class EmbeddedHuggingFaceAPI(HuggingFaceAPI):
    """HuggingFaceAPI serving the embedded models (``embedded/qwen2.5-coder-0.5b-instruct`` and
    ``embedded/qwen2.5-coder-1.5b-instruct``) from their converted cache folders.

    Defaults (a caller's model_args win): ``model_path`` the named model's converted folder (converted only
    when no ``model_path`` is given), ``dtype`` bf16, ``device``
    CUDA if available else CPU. ``temperature=0`` decodes greedily (plain HuggingFaceAPI would pass it to a
    sampler, which transformers rejects).
    """

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),  # noqa: B008 (Inspect's own signature)
        **model_args: Any,
    ) -> None:
        """Check the name, make sure the model is converted, then load it through HuggingFaceAPI.

        Raises:
            ValueError: If ``model_name`` is not an embedded model's name; nothing is converted.
            EmbeddedModelError: If the model's chunk packages are missing (naming the extra to install) or
                its conversion fails.
        """
        spec = check_model_name(model_name)
        if "model_path" not in model_args:
            model_args["model_path"] = str(ensure_embedded_model(spec=spec))
        model_args.setdefault("dtype", DEFAULT_DTYPE)
        model_args.setdefault("device", default_device())
        super().__init__(model_name, base_url=base_url, api_key=api_key, config=config, **model_args)

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
        """Generate as HuggingFaceAPI does; at temperature 0, decode greedily for this call only."""
        if config.temperature is None or config.temperature > GREEDY_TEMPERATURE:
            return await super().generate(input, tools, tool_choice, config)
        greedy = config.model_copy(update={"temperature": None, "top_p": None, "top_k": None})
        token = _greedy_call.set(True)
        try:
            return await super().generate(input, tools, tool_choice, greedy)
        finally:
            _greedy_call.reset(token)
