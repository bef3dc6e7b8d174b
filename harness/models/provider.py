"""Inspect model provider ``embedded``: the embedded models through Inspect's Hugging Face provider.

It serves one name per :class:`~harness.models.embedded.EmbeddedSpec`:

- ``embedded/qwen2.5-coder-0.5b-instruct``, the default (alias ``embedded``);
- ``embedded/qwen2.5-coder-1.5b-instruct``, the judge (alias ``embedded-1.5b``; needs the ``embedded-judge`` extra).

Aliases work wherever a name goes through :func:`resolve_model_name`. The first use of a model converts it
once (see :func:`harness.models.embedded.ensure_embedded_model`).

Importing this module is cheap: torch, transformers and Inspect's hf provider load only when a model is made.
"""

from __future__ import annotations

from inspect_ai.model import GenerateConfig, Model, ModelAPI, ModelInfo, get_model, modelapi, set_model_info

from harness.models.embedded import DEFAULT_SPEC, QWEN_CODER_1_5B, SPECS, EmbeddedSpec, spec_named
from harness.serving.client import SERVED_ALIAS, is_served, served_generate_config, served_model_name, served_parallel

EMBEDDED_PROVIDER = "embedded"


def embedded_model_id(spec: EmbeddedSpec) -> str:
    """Return the Inspect model name (``embedded/<name>``) that serves ``spec``'s model."""
    return f"{EMBEDDED_PROVIDER}/{spec.name}"


EMBEDDED_MODEL_NAME = DEFAULT_SPEC.name
EMBEDDED_MODEL = embedded_model_id(DEFAULT_SPEC)
"""The embedded default model, in Inspect's ``provider/name`` form."""
EMBEDDED_JUDGE_MODEL = embedded_model_id(QWEN_CODER_1_5B)
"""The larger embedded model offered as a judge (``embedded-judge`` extra)."""
EMBEDDED_MODELS: tuple[str, ...] = tuple(embedded_model_id(spec) for spec in SPECS)
"""Every model name the ``embedded`` provider serves, default first."""


def resolve_model_name(name: str) -> str:
    """Map an alias to its full name; return others unchanged.

    The aliases: ``embedded`` and ``embedded-1.5b`` (the embedded models), and ``served``, what ``greetbench serve``
    is serving, reached through Inspect's ``openai-api`` provider (this points ``GREETBENCH_BASE_URL`` at it; see
    :func:`harness.serving.served_model_name`).

    Args:
        name: A model name as a user typed it. Surrounding whitespace is ignored only for the alias check.

    Returns:
        ``embedded/<name>`` for an embedded alias, ``openai-api/greetbench/<model>`` for ``served``, else ``name``
        itself (including ``embedded/<other>``, which the provider rejects when the model is made).

    Raises:
        ServedModelError: ``served`` with no server running (or one that needs a key the environment lacks).
    """
    stripped = name.strip()
    if stripped == SERVED_ALIAS:
        return served_model_name()
    spec = next((spec for spec in SPECS if spec.alias == stripped), None)
    return embedded_model_id(spec) if spec is not None else name


def model_for(name: str) -> str | Model:
    """What Inspect should be handed for a user's model name: aliases resolved, and a served model (one reached
    through greetbench's ``openai-api`` service) made with bounded concurrency and timeouts
    (:func:`harness.serving.served_generate_config`); any other name as a string, for Inspect to make.
    """
    resolved = resolve_model_name(name)
    return make_model(resolved) if is_served(resolved) else resolved


def make_model(name: str, **model_args: object) -> Model:
    """``get_model`` for a user's model name: aliases resolved; a served model with bounded concurrency and
    timeouts, so that a hung server makes a call fail (and a judge's item unscored) instead of waiting forever."""
    resolved = resolve_model_name(name)
    config = served_generate_config(served_parallel()) if is_served(resolved) else None
    return get_model(resolved, config=config or GenerateConfig(), **model_args)


def check_model_name(model_name: str) -> EmbeddedSpec:
    """Return the spec of the embedded model ``model_name`` names; reject any other name.

    Args:
        model_name: The part after ``embedded/`` (Inspect strips the provider); a full
            ``embedded/...`` name is accepted too.

    Returns:
        The model's spec.

    Raises:
        ValueError: For a name the provider does not serve, listing the valid names and their aliases.
    """
    bare = model_name.removeprefix(f"{EMBEDDED_PROVIDER}/")
    spec = spec_named(bare)
    if spec is None:
        served = ", ".join(f"{embedded_model_id(known)!r} (alias {known.alias!r})" for known in SPECS)
        raise ValueError(
            f"Unknown embedded model {f'{EMBEDDED_PROVIDER}/{bare}'!r}: the embedded provider serves {served}."
        )
    return spec


CONTEXT_LENGTH = 32768
"""Tokens of context of both embedded models (Qwen2.5-Coder 0.5B and 1.5B: ``max_position_embeddings``)."""


def register_model_info() -> None:
    """Tell Inspect what each embedded model is, so that Inspect never makes a model just to find out.

    Inspect looks a model up by name when it reports usage; for a name its database lacks, it makes the model
    through its provider (``get_model(name, api_key="__model_info_lookup__")``), which for an in-process model
    loads the weights a second time (another ~2 GB for the 0.5B). Registered, the lookup ends at the name.
    """
    for spec in SPECS:
        info = ModelInfo(organization="Qwen", model=spec.upstream, context_length=CONTEXT_LENGTH)
        set_model_info(embedded_model_id(spec), info)


register_model_info()


@modelapi(name=EMBEDDED_PROVIDER)
def embedded() -> type[ModelAPI]:
    """Return the provider class, importing torch/transformers only now."""
    from harness.models.hf_api import EmbeddedHuggingFaceAPI

    return EmbeddedHuggingFaceAPI
