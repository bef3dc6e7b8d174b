"""judge_agreement on synthetic labelled rows, with a scripted mockllm judge of known accuracy."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from agreement_data import contaminated_index, scripted_judge, scripted_outcome, write_synthetic_data_dir
from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog
from inspect_ai.model import get_model
from inspect_ai.scorer import SampleScore, Score

from harness.data import DataFiles, build_contamination_index, load_eval_set, split_eval_set
from harness.stats import accuracy, fit_threshold
from tasks.judge_agreement import judge_agreement
from tasks.judge_agreement.dataset import agreement_rows
from tasks.judge_agreement.task import label_agreement

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


def test_inline_metrics_give_intervals_and_the_judge_minus_length_rule(log: EvalLog) -> None:
    principle = next(s for s in log.results.scores if s.name == "principle_judge").metrics
    length = next(s for s in log.results.scores if s.name == "length_judge").metrics
    for metrics, names in ((principle, ("accuracy", "kappa")), (length, ("accuracy", "kappa", "auc"))):
        for name in names:
            low, value, high = (metrics[f"label_{name}{end}"].value for end in ("_ci_low", "", "_ci_high"))
            assert low <= value <= high
    scored = [s for s in log.samples if not math.isnan(s.scores["principle_judge"].value)]
    assert principle["label_n"].value == len(scored)
    labels = [s.metadata["label"] for s in scored]
    by_hand = accuracy([int(s.scores["principle_judge"].value) for s in scored], labels) - accuracy(
        [int(s.scores["length_judge"].value) for s in scored], labels
    )  # the same rows: the judge's scored ones
    gain = [principle[f"label_accuracy_minus_length{end}"].value for end in ("_ci_low", "", "_ci_high")]
    assert gain[1] == pytest.approx(by_hand) and gain[0] <= gain[1] <= gain[2]
    assert "label_accuracy_minus_length" not in length  # the rule against itself is no figure
    assert "label_calibrated_accuracy" not in principle  # no P(good) on dev rows: nothing to calibrate


def _sample_score(sid: str, verdict: float, label: int, chars: int, p_good: float | None, side: str) -> SampleScore:
    metadata = {"label": label, "length": chars, "response": "祝" * chars, "split_side": side}
    metadata["reported"] = side == "test"  # as with calibrate=True on the test split
    return SampleScore(
        score=Score(value=verdict, metadata={"p_good": p_good}),
        sample_id=sid,
        sample_metadata=metadata,
        scorer="principle_judge",
    )


def test_label_agreement_calibrates_p_good_on_dev_rows_and_reports_test_rows() -> None:
    dev = [(0.9, 1), (0.8, 1), (0.3, 0), (0.6, 0), (0.7, 1), (0.2, 0)]  # the best cut: between 0.6 and 0.7
    scores = [_sample_score(f"d{i}", 1.0, label, 50, p, "dev") for i, (p, label) in enumerate(dev)]
    test = [  # verdict, label, chars, P(good); the length rule's cut is 40 characters
        (1, 1, 50, 0.95),
        (1, 0, 20, 0.62),
        (1, 1, 30, 0.66),
        (0, 0, 45, 0.40),
        (1, 1, 60, 0.64),
        (0, 1, 10, None),  # no logprobs here: the raw verdict stands, the calibrated one is missing
    ]
    scores += [_sample_score(f"t{i}", v, y, n, p, "test") for i, (v, y, n, p) in enumerate(test)]
    out = label_agreement(judge="principle_judge", length_threshold=40, resamples=50)(scores)
    assert out["label_n"] == 6  # the dev rows are fit on, never reported
    assert out["label_accuracy"] == pytest.approx(4 / 6)
    # tp 3, fp 1, fn 1, tn 1: p_o = 4/6, p_e = (4 x 4 + 2 x 2) / 36, kappa = (24 - 20) / (36 - 20).
    assert out["label_kappa"] == pytest.approx(0.25)
    assert "label_auc" not in out  # one reported row lacks a score: no AUC on a subset
    assert out["label_accuracy_minus_length"] == pytest.approx(4 / 6 - 3 / 6)  # the rule is right on 3 of 6
    assert out["label_calibration_threshold"] == pytest.approx(fit_threshold([p for p, _ in dev], [y for _, y in dev]))
    assert out["label_calibration_threshold"] == pytest.approx(0.65) and out["label_calibration_rows"] == 6
    assert out["label_calibrated_accuracy"] == pytest.approx(4 / 5)  # wrong only on the 0.64 row; one row missing
    assert out["label_calibrated_accuracy_minus_length"] == pytest.approx(4 / 5 - 3 / 5)
    assert out["label_calibrated_accuracy_ci_low"] <= out["label_calibrated_accuracy"]


def test_label_agreement_on_no_rows_is_nan() -> None:
    out = label_agreement(judge="principle_judge", length_threshold=40, resamples=10)([])
    assert math.isnan(out["label_accuracy"]) and math.isnan(out["label_kappa"]) and out["label_n"] == 0


def test_calibrate_scores_dev_rows_too_but_reports_only_the_split(
    data_dir: tuple[Path, list[dict]], tmp_path: Path
) -> None:
    root, rows = data_dir
    split = split_eval_set(load_eval_set(DataFiles(root).eval_set))
    task = judge_agreement(judges="constant", data_dir=str(root), calibrate=True, resamples=50)
    reported = [s.metadata["reported"] for s in task.dataset]
    assert reported.count(True) == len(split.test) and reported.count(False) == len(split.dev)
    assert {s.metadata["split_side"] for s in task.dataset if not s.metadata["reported"]} == {"dev"}
    assert task.metadata["calibrate"] is True and task.metadata["fitting_rows_scored"] == len(split.dev)
    assert task.metadata["rows"] == len(split.test)
    [result] = inspect_eval(task, display="none", log_dir=str(tmp_path / "logs"), log_realtime=False)
    assert result.status == "success", result.error
    constant = next(s for s in result.results.scores if s.name == "constant_judge").metrics
    assert constant["label_n"].value == len(split.test)
    good = sum(row.label for row in split.test)
    assert constant["label_accuracy"].value == pytest.approx(good / len(split.test))  # test rows only
    plain = judge_agreement(judges="length", data_dir=str(root))
    assert all(s.metadata["reported"] for s in plain.dataset) and len(plain.dataset) == len(split.test)


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
