import asyncio
from pathlib import Path

import pytest
from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessage, ModelOutput, get_model
from inspect_ai.solver import generate
from mocks import mock_output

from harness.judges.pairwise import judge_pair, pairwise_judge, parse_winner


@pytest.mark.parametrize(
    ("text", "winner"),
    [
        ('{"winner": "A", "reason": "更具体"}', "A"),
        ('```json\n{"winner": "b"}\n```', "B"),
        ("Winner: B", "B"),
        ("胜者：A", "A"),
        ("A", "A"),
        ("**B**", "B"),
        ("both are fine", None),
        ('{"winner": "tie"}', None),
        ("Winner: A\nWinner: B", "B"),  # the last answer binds
        ('{"winner": "A"} ... {"winner": "B"}', "B"),
        ("A is clearly better", None),  # a first word is not an answer
        ("1", None),
        ("", None),
    ],
)
def test_parse_winner(text: str, winner: str | None) -> None:
    assert parse_winner(text) == winner


def _greeting(prompt: str, tag: str) -> str:
    return prompt.split(f"<{tag}>")[1].split(f"</{tag}>")[0].strip()


def _judge(rule):
    """A mock judge that picks A or B by a rule over (first shown, second shown)."""

    def answer(messages: list[ChatMessage], *_: object) -> ModelOutput:
        text = messages[-1].text
        first, second = _greeting(text, "greeting_A"), _greeting(text, "greeting_B")
        return mock_output(f'{{"winner": "{rule(first, second)}"}}')

    return get_model("mockllm/judge", custom_outputs=answer, memoize=False)


def test_consistent_preference_for_longer() -> None:
    judge = _judge(lambda first, second: "A" if len(first) > len(second) else "B")
    result = asyncio.run(judge_pair(judge, "q", "长长长长", "短"))
    assert (result.a_first, result.b_first, result.consistent, result.value) == ("A", "A", True, 1.0)
    result = asyncio.run(judge_pair(judge, "q", "短", "长长长长"))
    assert result.value == 0.0


def test_position_bias_is_caught() -> None:
    judge = _judge(lambda first, second: "A")  # always prefers whatever is shown first
    result = asyncio.run(judge_pair(judge, "q", "x", "y"))
    assert result.a_first == "A" and result.b_first == "B"
    assert result.consistent is False and result.value == 0.5


def test_pairwise_scorer_with_reference_role(tmp_path: Path) -> None:
    policy = get_model("mockllm/p", custom_outputs=lambda *_: mock_output("亲爱的朋友，生日快乐，愿你心想事成！"))
    reference = get_model("mockllm/ref", custom_outputs=lambda *_: mock_output("生日快乐"))
    task = Task(
        dataset=MemoryDataset(
            [Sample(id=i, input="请只生成一条祝福语：生日", metadata={"query": "生日"}) for i in (1, 2)]
        ),
        solver=generate(),
        scorer=pairwise_judge(),
    )
    judge = _judge(lambda first, second: "A" if len(first) > len(second) else "B")
    [log] = inspect_eval(
        task, model=policy, model_roles={"judge": judge, "reference": reference}, display="none", log_dir=str(tmp_path)
    )
    assert log.status == "success", log.error
    metrics = log.results.scores[0].metrics
    assert metrics["mean"].value == 1.0
    assert metrics["position_consistency"].value == 1.0
    assert log.samples[0].scores["pairwise_judge"].metadata["reference"] == "生日快乐"


def test_p_a_averages_both_orders_and_needs_both() -> None:
    from harness.judges.pairwise import PairwiseJudgement

    assert PairwiseJudgement("A", "A", ("", ""), 0.8, 0.6).p_a == pytest.approx(0.7)
    assert PairwiseJudgement("A", "A", ("", ""), 0.8, None).p_a is None


def test_mock_judge_without_logprobs_has_no_p_a() -> None:
    judge = _judge(lambda first, second: "A")
    result = asyncio.run(judge_pair(judge, "q", "x", "y"))
    assert result.p_a_first is None and result.p_a is None
