"""The JSON Schema of ``leaderboard.json`` (package data ``harness/leaderboard/leaderboard.schema.json``) and
validation against it."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

SCHEMA_VERSION = 1
SCHEMA_RESOURCE = "leaderboard.schema.json"


@cache
def leaderboard_schema() -> dict[str, Any]:
    """The JSON Schema of ``leaderboard.json``."""
    return json.loads(resources.files("harness.leaderboard").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8"))


def validate_leaderboard(data: dict[str, Any]) -> None:
    """Validate leaderboard data against its schema.

    Raises:
        jsonschema.ValidationError: With the offending path.
    """
    jsonschema.validate(data, leaderboard_schema(), cls=jsonschema.Draft202012Validator)
