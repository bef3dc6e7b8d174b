"""The one file-name slug of free text."""

from __future__ import annotations

import pytest

from harness.slug import slug


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mockllm/judge", "mockllm-judge"),
        ("hf/Qwen 2.5", "hf-Qwen-2.5"),
        ("  a__b..c  ", "a__b..c"),
        ("/leading/and/trailing/", "leading-and-trailing"),
        ("祝福语", "none"),
        ("", "none"),
    ],
)
def test_slug(text: str, expected: str) -> None:
    assert slug(text) == expected
