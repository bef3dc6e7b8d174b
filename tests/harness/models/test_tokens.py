import pytest

from harness.models.tokens import byte_level_decoder, token_bytes


def test_byte_level_alphabet_covers_every_byte_once() -> None:
    table = byte_level_decoder()
    assert sorted(table.values()) == list(range(256))
    assert table["Ġ"] == ord(" ")


@pytest.mark.parametrize(
    ("token", "reported", "expected"),
    [
        ("å¥½", [229, 165, 189], "好".encode()),  # Inspect hf: BPE string, its code points as "bytes"
        ("Ġgood", [288, 103, 111, 111, 100], b" good"),  # a stand-in above 255: decode the BPE string
        (" good", list(b" good"), b" good"),  # OpenAI-compatible: real bytes
        ("好", None, "好".encode()),  # text only
        ("Ġ", None, b" "),
    ],
)
def test_token_bytes(token: str, reported: list[int] | None, expected: bytes) -> None:
    assert token_bytes(token, reported) == expected
