"""Model info for a local checkpoint served through Inspect's ``hf`` provider.

Inspect looks a model up by name when it reports usage; for a name its database lacks, it makes the model again
through its provider without the run's model arguments. For ``hf/<name>`` with ``-M model_path=<folder>`` that
second instance calls ``from_pretrained(<name>)``: a Hub download attempt (with retries, offline) or, when the
name is a folder, a second load of the weights. Registered here, the lookup ends at the name.
"""

from __future__ import annotations

import json
from pathlib import Path

from inspect_ai.model import ModelInfo, set_model_info

HF_PROVIDER = "hf"


def register_local_model_info(model: str, folder: str | Path) -> ModelInfo | None:
    """Register ``model`` (an ``hf/...`` name) as the checkpoint in ``folder``, so Inspect never remakes it.

    Args:
        model: The Inspect model name; names of other providers are left alone.
        folder: The checkpoint folder (its ``config.json`` gives the context length when it has one).

    Returns:
        The registered info, or None when ``model`` is not an ``hf/`` name or ``folder`` is not a folder.
    """
    provider, _, name = model.partition("/")
    if provider != HF_PROVIDER or not name or not Path(folder).is_dir():
        return None
    config_file = Path(folder) / "config.json"
    config = json.loads(config_file.read_text(encoding="utf-8")) if config_file.is_file() else {}
    context = config.get("max_position_embeddings")
    info = ModelInfo(model=name, context_length=context if isinstance(context, int) else None)
    set_model_info(model, info)
    return info
