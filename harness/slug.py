"""File-name slugs of free text (model names, traits): one rule, shared by the judge report and the leaderboard."""

from __future__ import annotations

import re


def slug(text: str) -> str:
    """``text`` with every run of characters other than ASCII letters, digits, ``.`` and ``_`` turned into ``-``.

    Edge cases: leading and trailing ``-`` are dropped; text with nothing left (empty, or only other characters)
    gives ``none``. ``mockllm/judge`` -> ``mockllm-judge``; ``hf/Qwen 2.5`` -> ``hf-Qwen-2.5``.
    """
    return re.sub(r"[^A-Za-z0-9._]+", "-", text).strip("-") or "none"
