from pathlib import Path

import pytest
from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessage, ModelOutput, get_model
from inspect_ai.solver import generate
from mocks import mock_output

from harness.data import LabelledGreeting
from harness.judges.baselines import (
    constant_judge,
    dev_length_threshold,
    fit_length_threshold,
    length_judge,
    length_judgement,
)


def _rows(*pairs: tuple[str, int]) -> list[LabelledGreeting]:
    return [LabelledGreeting(query="q", response=r, label=label, line=i) for i, (r, label) in enumerate(pairs, 1)]


def test_length_judgement_counts_characters_not_bytes() -> None:
    assert length_judgement("生日快乐", 4).verdict == "good"
    assert length_judgement("  生日快乐  ", 5).verdict == "bad"  # surrounding whitespace is not length
    assert length_judgement("", 1).verdict == "bad"


def test_fit_threshold_separable() -> None:
    rows = _rows(("短", 0), ("短短", 0), ("长长长长", 1), ("长长长长长", 1))
    # Lengths 1, 2 (bad) and 4, 5 (good): cuts 3 and 4 are both perfect; the smallest observed, 4, wins.
    assert fit_length_threshold(rows) == 4


def test_fit_threshold_noisy_hand_count() -> None:
    # lengths/labels: 1/0, 2/1, 3/0, 4/1, 5/1. Accuracy by cut: 1->3/5, 2->4/5, 3->3/5, 4->4/5, 5->3/5, 6->2/5.
    rows = _rows(("a", 0), ("ab", 1), ("abc", 0), ("abcd", 1), ("abcde", 1))
    assert fit_length_threshold(rows) == 2  # tie between 2 and 4: smallest wins


def test_fit_threshold_one_label_and_empty() -> None:
    assert fit_length_threshold(_rows(("ab", 1), ("abcd", 1))) == 2  # everything good: cut at the shortest
    assert fit_length_threshold(_rows(("ab", 0), ("abcd", 0))) == 5  # everything bad: cut past the longest
    with pytest.raises(ValueError, match="no rows"):
        fit_length_threshold([])


def test_dev_threshold_on_real_data_is_near_the_known_cut(shared_data_dir: Path) -> None:
    threshold, provenance = dev_length_threshold(shared_data_dir)
    assert 30 <= threshold <= 45  # the best cut on the whole upstream set is 39
    assert provenance["fit_on"] == "dev" and provenance["split_digest"]


def test_dev_threshold_without_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GREETBENCH_DATA_DIR", raising=False)
    monkeypatch.setenv("GREETBENCH_CACHE_DIR", str(tmp_path))
    threshold, provenance = dev_length_threshold()
    assert threshold == 39 and "default" in provenance["fit_on"]


def test_baselines_in_an_eval(tmp_path: Path) -> None:
    def policy(messages: list[ChatMessage], *_: object) -> ModelOutput:
        return mock_output("长" * int(messages[-1].text))

    task = Task(
        dataset=MemoryDataset([Sample(input=str(n)) for n in (3, 10, 12)]),
        solver=generate(),
        scorer=[length_judge(threshold=10), constant_judge("bad")],
    )
    [log] = inspect_eval(
        task, model=get_model("mockllm/p", custom_outputs=policy), display="none", log_dir=str(tmp_path)
    )
    scores = {s.name: s.metrics for s in log.results.scores}
    assert scores["length_judge"]["excellence_rate"].value == pytest.approx(2 / 3)
    assert scores["constant_judge"]["excellence_rate"].value == 0
