"""The one client path to a served model: Inspect's ``openai-api`` provider, with bounded concurrency and timeouts.

``served`` (as ``--model served``, ``--judge served``, a trainer's judge model or an optimizer role) names whatever
``greetbench serve`` is serving: :func:`served_model_name` reads its record, points ``GREETBENCH_BASE_URL`` at it
and returns ``openai-api/greetbench/<model>``. Any OpenAI-compatible server reached that way (``vllm serve`` or
``llama-server`` started by hand, with ``GREETBENCH_BASE_URL`` and ``GREETBENCH_API_KEY`` set) takes the same path.
"""

from __future__ import annotations

import os

from inspect_ai.model import GenerateConfig

from harness.serving.state import SERVICE, ServedState, read_state, state_path

SERVED_ALIAS = "served"
"""The model name that means "what ``greetbench serve`` is serving"."""

BASE_URL_ENV = f"{SERVICE.upper()}_BASE_URL"
API_KEY_ENV = f"{SERVICE.upper()}_API_KEY"
NO_KEY = "no-key"
"""What the client sends when the server takes no key (Inspect's ``openai-api`` provider insists on one)."""

ATTEMPT_TIMEOUT = 120.0
"""Seconds one request may take before it is retried: a 160-token judge reason takes ~10 s on 2 cores, with slots
busy and a queue ahead of it several times that."""

MAX_RETRIES = 2
"""Retries after a failed or timed-out request; then the call fails, and a judge counts the item unscored."""


class ServedModelError(RuntimeError):
    """No server is recorded, its supervisor is gone, or it needs a key the environment lacks; one line."""


def served_state() -> ServedState:
    """The running server's record.

    Raises:
        ServedModelError: None is recorded, or the record's supervisor is gone.
    """
    from harness.serving.process import pid_alive

    try:
        state = read_state()
    except ValueError as error:
        raise ServedModelError(str(error)) from None
    if state is None:
        raise ServedModelError(f"no served model ({state_path()} is absent): start one with `greetbench serve`")
    if not pid_alive(state.supervisor_pid):
        raise ServedModelError(
            f"{state_path()}: its server (pid {state.supervisor_pid}) is gone; `greetbench serve` again"
        )
    return state


def served_model_name() -> str:
    """Point the ``openai-api`` provider at the served model (environment) and return its Inspect name.

    Sets ``GREETBENCH_BASE_URL`` to the server's; sets ``GREETBENCH_API_KEY`` to a placeholder when the server takes
    no key and the variable is unset.

    Raises:
        ServedModelError: See :func:`served_state`; or the server requires a key and ``GREETBENCH_API_KEY`` is unset.
    """
    state = served_state()
    if state.api_key_required and not os.environ.get(API_KEY_ENV):
        raise ServedModelError(f"the served model requires a key: set {API_KEY_ENV} to the key it was started with")
    os.environ[BASE_URL_ENV] = state.base_url
    os.environ.setdefault(API_KEY_ENV, NO_KEY)
    return state.inspect_model


def served_generate_config(parallel: int) -> GenerateConfig:
    """Bounded concurrency and timeouts for a served model with ``parallel`` slots.

    Twice the slots in flight keeps every slot busy while the next requests wait in the server's queue, without a
    pile of requests whose clocks run while they wait.
    """
    return GenerateConfig(max_connections=2 * parallel, attempt_timeout=ATTEMPT_TIMEOUT, max_retries=MAX_RETRIES)


DEFAULT_PARALLEL = 4


def served_parallel() -> int:
    """The recorded server's slots, or 4 when no record is there (a server started by hand)."""
    try:
        state = read_state()
    except ValueError:
        state = None
    return state.parallel if state is not None else DEFAULT_PARALLEL


def is_served(name: str) -> bool:
    """Whether an Inspect model name reaches a server through greetbench's ``openai-api`` service."""
    return name.startswith(f"openai-api/{SERVICE}/")
