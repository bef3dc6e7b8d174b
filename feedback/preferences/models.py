"""Models made on first use: a rerun whose samples and judgements are all on disk (re-pairing with other options)
loads no weights at all."""

from __future__ import annotations

import threading
from typing import Any

from inspect_ai.model import Model

from harness.models import make_model


class LazyModel:
    """An Inspect model by name, made (``make_model``: aliases such as ``served`` resolved) on the first
    :meth:`get`; or a model made already.

    Args:
        name: The Inspect model name; an embedded alias (``embedded``) is resolved.
        args: ``get_model`` keyword arguments (``model_path``, ``device``, ...).
        model: A model made already (tests; one load shared by two roles); ``name`` is then its own.
    """

    def __init__(self, name: str, args: dict[str, Any] | None = None, model: Model | None = None) -> None:
        from harness.models import resolve_model_name

        self.args = dict(args or {})
        self._model = model
        self.name = str(model) if model is not None else resolve_model_name(name)
        self._lock = threading.Lock()

    def get(self) -> Model:
        """The model (made once; for a local ``hf/`` checkpoint, its info is registered first so that Inspect never
        makes it a second time to look it up)."""
        with self._lock:
            if self._model is None:
                from harness.models import register_local_model_info

                register_local_model_info(self.name, self.args.get("model_path") or self.name.partition("/")[2])
                self._model = make_model(self.name, **self.args)
            return self._model
