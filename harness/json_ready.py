"""Values made fit for JSON: NaN and infinities (which JSON has no numbers for) become None."""

from __future__ import annotations

import math
from typing import Any


def json_ready(value: Any) -> Any:
    """A copy of ``value`` with NaN and infinities replaced by None, recursively (dict keys made strings)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    return value
