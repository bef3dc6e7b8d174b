"""A token's real bytes, whichever provider reported it.

Providers describe a token differently: OpenAI-compatible servers (vLLM, llama.cpp) give its text and its UTF-8
``bytes``; Inspect's ``hf`` provider gives the tokenizer's raw byte-level BPE string (``å¥½`` for 好, ``Ġgood``
for `` good``) and, as ``bytes``, the code points of that string. This module turns either into the bytes the
token stands for, so a verdict token can be recognised the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache


@cache
def byte_level_decoder() -> dict[str, int]:
    """GPT-2's byte-level BPE alphabet, inverted: each printable stand-in character -> the byte it encodes.

    Bytes that are printable Latin-1 stand for themselves; the other 68 (space, control bytes, ...) are shifted
    to code points from 256 up, in byte order. Qwen, Llama 3 and most current tokenizers use this alphabet.
    """
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    table = {chr(b): b for b in printable}
    shifted = 0
    for b in range(256):
        if b not in printable:
            table[chr(256 + shifted)] = b
            shifted += 1
    return table


def token_bytes(token: str, reported: Sequence[int] | None = None) -> bytes:
    """The bytes a token stands for.

    Args:
        token: The token as the provider wrote it (its text, or a byte-level BPE string).
        reported: The provider's ``bytes`` field, if any.

    Returns:
        ``reported`` as bytes when every value is a byte (0-255: real bytes, or BPE stand-ins that equal their
        byte); else the byte-level BPE decoding of ``token`` when every character is in that alphabet; else
        ``token`` encoded as UTF-8 (a provider that reports plain text).
    """
    if reported and all(0 <= value < 256 for value in reported):
        return bytes(reported)
    decoder = byte_level_decoder()
    if token and all(char in decoder for char in token):
        return bytes(decoder[char] for char in token)
    return token.encode("utf-8")
