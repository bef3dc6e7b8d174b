"""Inspect model provider ``embedded``: the embedded default model through Inspect's Hugging Face provider.

Use it as ``--model embedded/qwen2.5-coder-0.5b-instruct`` (or the plain alias ``embedded`` wherever a name
goes through :func:`resolve_model_name`). The first use converts the model once (see
:func:`harness.models.embedded.ensure_embedded_model`).

Importing this module is cheap: torch, transformers and Inspect's hf provider load only when a model is made.
"""

from __future__ import annotations

from inspect_ai.model import ModelAPI, modelapi

EMBEDDED_PROVIDER = "embedded"
EMBEDDED_MODEL_NAME = "qwen2.5-coder-0.5b-instruct"
EMBEDDED_MODEL = f"{EMBEDDED_PROVIDER}/{EMBEDDED_MODEL_NAME}"
"""The one model name the ``embedded`` provider serves, in Inspect's ``provider/name`` form."""


def resolve_model_name(name: str) -> str:
    """Map the plain alias ``embedded`` to :data:`EMBEDDED_MODEL`; return any other name unchanged.

    Args:
        name: A model name as a user typed it. Surrounding whitespace is ignored only for the alias check.

    Returns:
        :data:`EMBEDDED_MODEL` for ``"embedded"``, else ``name`` itself (including ``embedded/<other>``,
        which the provider rejects when the model is made).
    """
    return EMBEDDED_MODEL if name.strip() == EMBEDDED_PROVIDER else name


def check_model_name(model_name: str) -> None:
    """Reject any model name under the ``embedded/`` provider other than the one it serves.

    Args:
        model_name: The part after ``embedded/`` (Inspect strips the provider); a full
            ``embedded/...`` name is accepted too.

    Raises:
        ValueError: For any other name, listing the valid one.
    """
    bare = model_name.removeprefix(f"{EMBEDDED_PROVIDER}/")
    if bare != EMBEDDED_MODEL_NAME:
        raise ValueError(
            f"Unknown embedded model {f'{EMBEDDED_PROVIDER}/{bare}'!r}: the embedded provider serves only "
            f"{EMBEDDED_MODEL!r} (alias {EMBEDDED_PROVIDER!r})."
        )


@modelapi(name=EMBEDDED_PROVIDER)
def embedded() -> type[ModelAPI]:
    """Return the provider class, importing torch/transformers only now."""
    from harness.models.hf_api import EmbeddedHuggingFaceAPI

    return EmbeddedHuggingFaceAPI
