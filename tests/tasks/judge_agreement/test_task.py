"""judge_agreement on synthetic labelled rows, with a scripted mockllm judge of known accuracy."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from agreement_data import contaminated_index, scripted_judge, scripted_outcome, write_synthetic_data_dir
from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog
from inspect_ai.model import get_model

from harness.data import DataFiles, build_contamination_index, load_eval_set, split_eval_set
from tasks.judge_agreement import judge_agreement
from tasks.judge_agreement.dataset import agreement_rows

UNSCORED_SHARE = 0.05


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    root = tmp_path_factory.mktemp("agreement") / "greetings"
    return root, write_synthetic_data_dir(root, n=120)


@pytest.fixture(scope="module")
def log(data_dir: tuple[Path, list[dict]], tmp_path_factory: pytest.TempPathFactory) -> EvalLog:
    root, rows = data_dir
    labels = {r["response"]: r["label"] for r in rows}
    judge = get_model("mockllm/judge", custom_outputs=scripted_judge(labels, 0.8, UNSCORED_SHARE))
    [result] = inspect_eval(
        judge_agreement(judges="principle", data_dir=str(root)),
        model_roles={"judge": judge},
        display="none",
        log_dir=str(tmp_path_factory.mktemp("logs")),
        log_realtime=False,
    )
    return result


def test_runs_without_a_model_under_test_and_adds_the_length_baseline(log: EvalLog) -> None:
    assert log.status == "success", log.error
    assert log.eval.task == "greetbench/judge_agreement"
    assert log.eval.model == "none/none"
    assert [s.name for s in log.results.scores] == ["principle_judge", "length_judge"]
    assert log.eval.metadata["judges"] == ["principle", "length"]


def test_samples_are_the_test_rows_with_their_labels_and_contamination(
    log: EvalLog, data_dir: tuple[Path, list[dict]]
) -> None:
    root, rows = data_dir
    split = split_eval_set(load_eval_set(DataFiles(root).eval_set))
    assert len(log.samples) == len(split.test)
    by_line = {row.line: row for row in split.test}
    for sample in log.samples:
        meta = sample.metadata
        row = by_line[meta["line"]]
        assert sample.id == f"eval-{row.line}" and sample.target == str(row.label)
        assert (meta["query"], meta["response"], meta["label"]) == (row.query, row.response, row.label)
        assert meta["length"] == len(row.response.strip()) and meta["split_side"] == "test"
        assert meta["contaminated"] == contaminated_index(row.line - 1)  # JSON Lines lines are 1-based
        assert sample.output.completion == row.response  # the sample's own response is what the judges read


def test_metadata_records_split_and_contamination_digests(log: EvalLog, data_dir: tuple[Path, list[dict]]) -> None:
    root, _ = data_dir
    files = DataFiles(root)
    split = split_eval_set(load_eval_set(files.eval_set))
    meta = log.eval.metadata
    assert meta["split"] == "test" and meta["split_digest"] == split.digest
    assert meta["split_provenance"] == split.to_dict()
    assert meta["contamination"]["digest"] == build_contamination_index(files).digest()
    contaminated = sum(contaminated_index(row.line - 1) for row in split.test)
    assert meta["contamination"]["contaminated_rows"] == contaminated
    assert meta["contamination"]["clean_rows"] == len(split.test) - contaminated
    assert meta["overlaps_fitting_rows"] is False and meta["rows"] == len(split.test)
    assert meta["principles_sha256"]


def test_inline_metrics_recover_the_scripted_accuracy_and_count_unscored(log: EvalLog) -> None:
    outcomes = [scripted_outcome(s.metadata["response"], 0.8, UNSCORED_SHARE) for s in log.samples]
    right, wrong, unscored = (outcomes.count(k) for k in ("right", "wrong", "unscored"))
    assert unscored > 0
    principle = next(s for s in log.results.scores if s.name == "principle_judge")
    assert principle.unscored_samples == unscored  # counted, not dropped silently
    assert principle.metrics["label_accuracy"].value == pytest.approx(right / (right + wrong))
    length = next(s for s in log.results.scores if s.name == "length_judge")
    assert length.unscored_samples == 0 and 0.5 < length.metrics["label_accuracy"].value < 1
    assert not math.isnan(length.metrics["label_kappa"].value)
    assert "excellence_rate" in principle.metrics  # the judge's own metrics are kept


def test_dev_and_all_say_they_overlap_the_fitting_rows(data_dir: tuple[Path, list[dict]]) -> None:
    root, rows = data_dir
    everything = judge_agreement(judges="length", split="all", data_dir=str(root))
    assert len(everything.dataset) == len(rows)
    assert everything.metadata["overlaps_fitting_rows"] is True
    assert "optimistic" in everything.metadata["fitting_note"]
    dev = agreement_rows("dev", root)
    assert dev.provenance["overlaps_fitting_rows"] is True
    assert {s.metadata["split_side"] for s in dev.dataset} == {"dev"}
    assert len(everything.scorer) == 1  # length asked for: not added twice


def test_bad_split_and_missing_data(monkeypatch: pytest.MonkeyPatch, data_dir: tuple[Path, list[dict]]) -> None:
    with pytest.raises(ValueError, match="split"):
        agreement_rows("train", data_dir[0])  # type: ignore[arg-type]
    monkeypatch.delenv("GREETBENCH_DATA_DIR", raising=False)
    monkeypatch.setenv("GREETBENCH_CACHE_DIR", "/nonexistent-greetbench-cache")
    with pytest.raises(FileNotFoundError, match="labelled evaluation set"):
        agreement_rows("test")


def test_registered_name_runs_with_model_none(tmp_path: Path) -> None:
    root = tmp_path / "greetings"
    write_synthetic_data_dir(root, n=20)
    [result] = inspect_eval(
        "greetbench/judge_agreement",
        model="none",
        task_args={"judges": "length,constant", "data_dir": str(root)},
        display="none",
        log_dir=str(tmp_path / "logs"),
        log_realtime=False,
    )
    assert result.status == "success", result.error
    assert [s.name for s in result.results.scores] == ["length_judge", "constant_judge"]
