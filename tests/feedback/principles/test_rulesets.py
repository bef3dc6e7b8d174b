"""What a role's rule list must be to become rules: the checks of ``rules_from_items``."""

from __future__ import annotations

import pytest

from feedback.principles.rulesets import MAX_RULE_CHARS, MAX_RULES, RuleSetError, rules_from_items


def test_a_rule_list_is_read_with_ids() -> None:
    rules = rules_from_items([{"id": "purpose", "text": "紧扣请求。"}, "情感真挚。"])
    assert [(r.id, r.text) for r in rules] == [("purpose", "紧扣请求。"), ("rule_2", "情感真挚。")]


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([], "must be a non-empty list"),
        (["规则。"] * (MAX_RULES + 1), f"at most {MAX_RULES}"),
        ([{"id": "a", "text": " "}], r"rules\[1\].text is empty"),
        (["长" * (MAX_RULE_CHARS + 1)], f"at most {MAX_RULE_CHARS}"),
        # the 0.5B Optimizer's degenerate merge in the 1.5B-Detector run: one greeting twice, not rules
        (["幸福有你一生! wishes you happiness and happiness!"] * 2, r"rules\[2\].text repeats rules\[1\]"),
        ([{"id": "a", "text": "一。"}, {"id": "a", "text": "二。"}], "rule ids must be unique"),
    ],
)
def test_a_degenerate_rule_list_is_malformed(items: list, message: str) -> None:
    with pytest.raises(RuleSetError, match=message):
        rules_from_items(items)
