"""One way for every LLM judge to call its model: greedy on every provider, logprobs where asked.

Judges decode greedily (a judge should not change its mind between runs), and ask for that with
``temperature=0``. Inspect's ``hf`` provider hands 0 to transformers' sampler, which raises
``ValueError: temperature (=0.0) has to be a strictly positive float``; so for a plain Hugging Face model a zero
temperature is sent as top-1 sampling, which picks the most likely token every time, exactly as greedy decoding
does. Providers that take ``temperature=0`` (OpenAI-compatible servers, vLLM, the embedded provider) get it
unchanged.
"""

from __future__ import annotations

from inspect_ai.model import ChatMessage, GenerateConfig, Model, ModelOutput

HF_PROVIDER_CLASS = "HuggingFaceAPI"
"""Class name of Inspect's hf provider (matched by name so that importing this module never imports torch)."""


def _plain_hf(model: Model) -> bool:
    """Whether ``model`` is served by Inspect's hf provider without greetbench's own greedy handling."""
    api = model.api
    if getattr(api, "greedy_at_zero_temperature", False):
        return False
    return any(cls.__name__ == HF_PROVIDER_CLASS for cls in type(api).__mro__)


def provider_config(model: Model, config: GenerateConfig) -> GenerateConfig:
    """``config`` as ``model``'s provider can take it: for plain Hugging Face models, temperature 0 -> top-1.

    Args:
        model: The judge model.
        config: Generation settings as a judge states them.

    Returns:
        The same settings, or for a plain ``hf/`` model at temperature 0 the top-1 equivalent.
    """
    if config.temperature == 0 and _plain_hf(model):
        return config.model_copy(update={"temperature": None, "top_p": None, "top_k": 1})
    return config


class JudgeCallError(RuntimeError):
    """The judge model could not answer: the server was unreachable, failed, or timed out after Inspect's retries.

    A judge turns it into an unscored item, never a verdict: a failed call says nothing about the greeting.
    """


def _call_errors() -> tuple[type[BaseException], ...]:
    """What a failed model call raises once Inspect stops retrying: a timeout, a connection or an API error."""
    import httpx
    from inspect_ai.model._model import AttemptTimeoutError  # Inspect exports it nowhere public (0.3.285)
    from openai import APIError
    from tenacity import RetryError  # what Inspect raises when its retries run out

    errors: list[type[BaseException]] = [
        TimeoutError, ConnectionError, AttemptTimeoutError, APIError, httpx.HTTPError, RetryError,
    ]  # fmt: skip
    try:
        import httpx2  # Inspect's own HTTP client (openai-api provider)

        errors.append(httpx2.HTTPError)
    except ImportError:
        pass
    return tuple(errors)


async def judge_generate(model: Model, messages: list[ChatMessage], config: GenerateConfig) -> ModelOutput:
    """Call a judge model with ``config`` adapted to its provider (see :func:`provider_config`).

    Raises:
        JudgeCallError: The call failed or timed out after the model's retries (its ``attempt_timeout`` and
            ``max_retries``; a served model has both, see :func:`harness.serving.served_generate_config`).
    """
    try:
        return await model.generate(messages, config=provider_config(model, config))
    except _call_errors() as error:
        last = _last_attempt_error(error)
        raise JudgeCallError(f"judge call failed: {type(last).__name__}: {last}") from error


def _last_attempt_error(error: BaseException) -> BaseException:
    """The error of the last attempt, when ``error`` says only that the retries ran out."""
    from tenacity import RetryError

    if isinstance(error, RetryError):
        last = error.last_attempt.exception()
        if last is not None:
            return last
    return error
