from pathlib import Path

import pytest
from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessage, ModelOutput, get_model
from inspect_ai.solver import generate
from mocks import mock_output

from harness.judges.baselines import constant_judge, length_judge
from harness.judges.panel import model_panel, panel, panel_judgement


def test_majority_and_agreement() -> None:
    judgement, agreement = panel_judgement({"a": "good", "b": "good", "c": "bad"})
    assert judgement.verdict == "good"
    assert agreement == pytest.approx(2 / 3)
    assert [t["agent"] for t in judgement.trace] == ["a", "b", "c"]


def test_unscored_members_abstain_and_ties_are_unscored() -> None:
    judgement, agreement = panel_judgement({"a": "good", "b": None, "c": "bad"})
    assert judgement.verdict is None and "tie" in judgement.reason and agreement == 0.5
    judgement, agreement = panel_judgement({"a": None, "b": None})
    assert judgement.verdict is None and agreement is None
    judgement, _ = panel_judgement({"a": "bad", "b": None})
    assert judgement.verdict == "bad"


def test_panel_needs_two_members() -> None:
    with pytest.raises(ValueError, match="at least two"):
        panel(["length_judge"])


def _policy(messages: list[ChatMessage], *_: object) -> ModelOutput:
    return mock_output("长" * int(messages[-1].text))


def _run(task: Task, log_dir: Path):
    return inspect_eval(
        task, model=get_model("mockllm/p", custom_outputs=_policy), display="none", log_dir=str(log_dir)
    )


def test_panel_reads_earlier_scores(tmp_path: Path) -> None:
    task = Task(
        dataset=MemoryDataset([Sample(input="3"), Sample(input="20")]),
        solver=generate(),
        scorer=[
            length_judge(threshold=10),
            constant_judge("good"),
            length_judge(threshold=5),
            panel(["length_judge", "constant_judge", "length_judge1"]),
        ],
    )
    [log] = inspect_eval(
        task, model=get_model("mockllm/p", custom_outputs=_policy), display="none", log_dir=str(tmp_path)
    )
    assert log.status == "success", log.error
    by_input = {s.input: s.scores["panel"] for s in log.samples}
    assert by_input["3"].value == 0 and by_input["3"].metadata["agreement"] == pytest.approx(2 / 3)
    assert by_input["20"].value == 1 and by_input["20"].metadata["agreement"] == 1
    metrics = {s.name: s.metrics for s in log.results.scores}["panel"]
    assert metrics["member_agreement"].value == pytest.approx(5 / 6)


def test_panel_with_a_misspelt_member_errors(tmp_path: Path) -> None:
    task = Task(
        dataset=MemoryDataset([Sample(input="3")]),
        solver=generate(),
        scorer=[length_judge(threshold=10), constant_judge(), panel(["length_judge", "constnt_judge"])],
    )
    [log] = inspect_eval(
        task, model=get_model("mockllm/p", custom_outputs=_policy), display="none", log_dir=str(tmp_path)
    )
    assert log.status == "error" and "constnt_judge" in log.error.message


def test_model_panel_over_a_role_bound_to_a_list(tmp_path: Path) -> None:
    def judge_saying(text: str):
        return get_model("mockllm/judge", custom_outputs=lambda *_: mock_output(text), memoize=False)

    task = Task(
        dataset=MemoryDataset([Sample(input="8", metadata={"query": "生日祝福"})]),
        solver=generate(),
        scorer=model_panel(),
    )
    judges = [judge_saying('{"verdict": "good"}'), judge_saying("不好"), judge_saying('{"verdict": "good"}')]
    [log] = inspect_eval(
        task,
        model=get_model("mockllm/p", custom_outputs=_policy),
        model_roles={"judge": judges},
        display="none",
        log_dir=str(tmp_path),
    )
    assert log.status == "success", log.error
    score = log.samples[0].scores["model_panel"]
    assert score.value == 1
    assert sorted(score.metadata["members"].values()) == ["bad", "good", "good"]
    assert score.metadata["agreement"] == pytest.approx(2 / 3)
