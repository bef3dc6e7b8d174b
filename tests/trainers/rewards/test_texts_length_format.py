"""The model-free rewards: completion text and request extraction, the length term, the format term."""

from __future__ import annotations

import pytest

from trainers.rewards import (
    FormatReward,
    FormatRewardSpec,
    LengthReward,
    LengthRewardSpec,
    batch_queries,
    completion_text,
    format_failures,
    format_value,
    length_value,
)

PROMPT = [{"role": "user", "content": "请只生成一条祝福语：妈妈生日"}]


def test_texts_from_conversational_and_plain_rows() -> None:
    assert completion_text([{"role": "assistant", "content": "生日快乐"}]) == "生日快乐"
    assert completion_text("生日快乐") == "生日快乐"
    assert completion_text([]) == "" and completion_text([{"role": "assistant", "content": None}]) == ""
    assert batch_queries([PROMPT, "请只生成一条祝福语：同事升职"]) == ["妈妈生日", "同事升职"]
    assert batch_queries([PROMPT], query=["给妈妈"]) == ["给妈妈"]  # the dataset column wins


@pytest.mark.parametrize(
    ("text", "mode", "expected"),
    [
        ("一" * 39, "rule", 1.0),
        ("一" * 38, "rule", 0.0),
        ("一" * 13, "ramp", 1 / 3),
        ("一" * 80, "ramp", 1.0),
        ("一" * 39, "overshoot", 0.0),
        ("一" * 78, "overshoot", -1.0),
        ("   ", "ramp", 0.0),
    ],
)
def test_length_term(text: str, mode: str, expected: float) -> None:
    assert length_value(text, mode, 39) == pytest.approx(expected)  # type: ignore[arg-type]


def test_length_reward_logs_mean_chars() -> None:
    logged: dict[str, float] = {}
    reward = LengthReward(LengthRewardSpec(mode="ramp", target_chars=10), name="len")
    values = reward([PROMPT, PROMPT], ["一" * 5, "一" * 20], log_metric=logged.__setitem__)
    assert values == [0.5, 1.0] and logged == {"length/len/chars": 12.5}
    with pytest.raises(ValueError, match="target_chars"):
        LengthRewardSpec(target_chars=0)


@pytest.mark.parametrize(
    ("text", "failures"),
    [
        ("祝妈妈生日快乐，身体健康！", []),
        ("好的，祝妈妈生日快乐！", ["no_meta_text"]),
        ("祝福语：生日快乐", ["no_meta_text"]),
        ("1. 生日快乐\n2. 身体健康", ["single_line", "no_list"]),
        ("**生日快乐**<|im_end|>", ["no_debris"]),
        ("", ["empty"]),
    ],
)
def test_format_checks(text: str, failures: list[str]) -> None:
    assert format_failures(text) == failures
    assert format_value(text) == (0.0 if failures == ["empty"] else 1 - len(failures) / 4)


def test_format_reward_logs_the_clean_share() -> None:
    logged: dict[str, float] = {}
    reward = FormatReward(FormatRewardSpec())
    values = reward([PROMPT] * 2, ["生日快乐", "好的\n生日快乐"], log_metric=logged.__setitem__)
    assert values == [1.0, 0.5] and logged == {"format/format/clean": 0.5}
