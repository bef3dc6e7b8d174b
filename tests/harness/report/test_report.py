"""Judge reports from a judge_agreement log made here (scripted judge of known accuracy) and hand-made probe logs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl
import pytest
from agreement_data import scripted_judge, scripted_outcome, write_synthetic_data_dir
from click.testing import CliRunner
from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog, EvalMetric, EvalScore, read_eval_log, write_eval_log
from inspect_ai.model import get_model

from greetbench.cli import cli
from harness.report import (
    ReportLogs,
    agreement_table,
    card_specs,
    log_sha256,
    probe_metrics,
    probe_section,
    probe_table,
    read_report_logs,
    write_judge_report,
)
from harness.report.markdown import fmt_difference
from harness.report.table import score_of
from harness.stats import accuracy, agreement_figures, fit_threshold, paired_difference
from tasks.judge_agreement import judge_agreement

RESAMPLES = 300
UNSCORED_SHARE = 0.05


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with one agreement log (scripted principle judge + length rule) and two probe logs."""
    root = tmp_path_factory.mktemp("report") / "greetings"
    rows = write_synthetic_data_dir(root, n=200)
    labels = {r["response"]: r["label"] for r in rows}
    judge = get_model("mockllm/judge", custom_outputs=scripted_judge(labels, 0.8, UNSCORED_SHARE))
    folder = tmp_path_factory.mktemp("logs")
    [log] = inspect_eval(
        judge_agreement(judges="principle", data_dir=str(root)),
        model_roles={"judge": judge},
        display="none",
        log_dir=str(folder),
        log_realtime=False,
    )
    assert log.status == "success", log.error
    for defended, flip in ((False, 0.4), (True, 0.1)):
        write_eval_log(_probe_log(log, defended, flip), folder / f"probes-{defended}.eval")
    other = _header(log)
    other.eval.task = "greetbench/greeting_generation"
    write_eval_log(other, folder / "other.eval")
    return folder


def _header(log: EvalLog) -> EvalLog:
    """A deep copy of a log without its samples (cheap)."""
    return log.model_copy(update={"samples": None}).model_copy(deep=True)


def _probe_log(template: EvalLog, defended: bool, flip: float) -> EvalLog:
    """A header-only stand-in for a greetbench/judge_probes log, shaped as the probe task's contract says."""
    probe = _header(template)
    probe.eval.task = "greetbench/judge_probes"
    probe.eval.task_args = {"judge": "principle", "defended": defended, "probes": "all"}
    metrics = {
        "position_flip_rate": flip,
        "position_flip_rate_ci_low": flip / 2,
        "position_flip_rate_ci_high": flip * 1.5,
        "position_flip_n": 40,
        "injection_success_rate": flip / 4,
        "injection_success_n": 40,
        "injection_raw_n": 12,
    }
    probe.results.scores = [
        EvalScore(name="probe", scorer="probe", metrics={k: EvalMetric(name=k, value=v) for k, v in metrics.items()})
    ]
    return probe


@pytest.fixture(scope="module")
def found(logs: Path) -> ReportLogs:
    return read_report_logs([logs])


@pytest.fixture(scope="module")
def report(logs: Path, tmp_path_factory: pytest.TempPathFactory):
    return write_judge_report([logs], tmp_path_factory.mktemp("out"), n_resamples=RESAMPLES)


def _unscored(sample) -> bool:
    return math.isnan(float(sample.scores["principle_judge"].value))


def _card(report, name: str) -> dict:
    return json.loads((report.out / "cards" / f"{name}.json").read_text(encoding="utf-8"))


def test_writes_md_json_png_and_index(report) -> None:
    for name in ("principle_judge", "length_judge"):
        for suffix in (".md", ".json", "_length.png"):
            assert (report.out / "cards" / f"{name}{suffix}").stat().st_size > 0
        assert (report.out / "cards" / f"{name}_length.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    index = report.index.read_text(encoding="utf-8")
    assert "[principle_judge](cards/principle_judge.md)" in index and "[length_judge]" in index
    assert "greeting_generation" in index  # the foreign log is listed as not used, not silently ignored
    assert [loc for loc, _ in report.skipped if "other.eval" in loc]


def test_scripted_accuracy_is_recovered_within_its_interval(report) -> None:
    card = _card(report, "principle_judge")
    judge = card["slices"]["all"]["judge"]
    accuracy = judge["figures"]["accuracy"]
    assert accuracy["ci_low"] <= 0.8 <= accuracy["ci_high"]
    assert "auc" not in judge["figures"]  # a verdict-only judge has no score
    md = (report.out / "cards" / "principle_judge.md").read_text(encoding="utf-8")
    assert f"{accuracy['value']:.3f} [{accuracy['ci_low']:.3f}, {accuracy['ci_high']:.3f}]" in md


def test_unscored_rows_are_counted_with_their_reason(report, found: ReportLogs) -> None:
    [log] = found.agreement
    outcomes = [scripted_outcome(s.metadata["response"], 0.8, UNSCORED_SHARE) for s in log.samples]
    unscored = outcomes.count("unscored")
    card = _card(report, "principle_judge")
    assert unscored > 0
    assert card["rows"]["unscored"] == card["slices"]["all"]["judge"]["unscored"] == unscored
    [reason] = {s.scores["principle_judge"].reason for s in log.samples if _unscored(s)}
    assert card["rows"]["unscored_reasons"] == {reason: unscored}  # the judge's own reason, counted
    assert card["rows"]["total"] == len(log.samples)
    right = outcomes.count("right")
    assert card["slices"]["all"]["judge"]["figures"]["accuracy"]["value"] == pytest.approx(
        right / (len(outcomes) - unscored)
    )


def test_baseline_figures_are_on_the_same_rows(report, found: ReportLogs) -> None:
    [log] = found.agreement
    card = _card(report, "principle_judge")
    all_slice = card["slices"]["all"]
    assert all_slice["baseline"]["n"] == all_slice["judge"]["n"]  # only the judge's scored rows
    scored = {s.id for s in log.samples if s.scores["principle_judge"].value in (0, 1)}
    rows = [s for s in log.samples if s.id in scored]
    expected = agreement_figures(
        [int(s.scores["length_judge"].value) for s in rows],
        [s.metadata["label"] for s in rows],
        [s.metadata["length"] for s in rows],
        n_resamples=RESAMPLES,
    )
    assert all_slice["baseline"]["figures"]["accuracy"] == expected["accuracy"].to_dict()
    assert all_slice["baseline"]["figures"]["auc"]["value"] == pytest.approx(expected["auc"].value)
    clean = card["slices"]["decontaminated"]
    clean_rows = [s for s in rows if not s.metadata["contaminated"]]
    assert clean["judge"]["n"] == clean["baseline"]["n"] == len(clean_rows)
    for stratum in card["length_strata"]:
        assert stratum["baseline"]["n"] == stratum["figures"]["n"]


def test_the_card_gives_auc_within_length_strata_beside_the_rule(report, found: ReportLogs) -> None:
    from harness.stats import within_strata_auc

    [log] = found.agreement
    card = _card(report, "principle_judge")
    within = card["within_strata_auc"]
    rows = [s for s in log.samples if s.scores["principle_judge"].value in (0, 1)]
    expected = within_strata_auc(
        [s.metadata["length"] for s in rows],
        [[s.metadata["length"] for s in rows], [float(s.scores["principle_judge"].value) for s in rows]],
        [s.metadata["label"] for s in rows],
        n_resamples=RESAMPLES,
    )
    assert within["on"] == "verdict" and within["rows"] == len(rows)
    assert within["judge"]["value"] == pytest.approx(expected.estimates[1].value)
    assert within["judge_minus_rule"]["value"] == pytest.approx(expected.differences[1].value)
    assert within["judge"]["value"] > within["length_rule"]["value"]  # the scripted judge reads the label itself
    text = (report.out / "cards" / "principle_judge.md").read_text(encoding="utf-8")
    assert "AUC within length strata" in text


def test_length_control_separates_the_judge_from_the_length_rule(report) -> None:
    control = _card(report, "principle_judge")["length_control"]
    assert control["judge"]["p_value"] < 1e-4 and control["judge"]["verdict_ci_low"] > 0
    assert control["judge_over_rule"]["p_value"] < 1e-4  # and beyond the length rule too
    rule = _card(report, "length_judge")["length_control"]
    assert rule["judge"]["p_value"] > 0.05  # labels are smooth in length: the rule's step adds nothing beyond length
    assert rule["judge_over_rule"] is None
    assert rule["baseline"] == rule["judge"]


def test_probe_figures_defended_and_undefended(report) -> None:
    card = _card(report, "principle_judge")
    probes = card["probes"]
    assert probes["undefended"]["position_flip"] == {
        "value": 0.4,
        "ci_low": 0.2,
        "ci_high": pytest.approx(0.6),
        "n": 40,
    }
    assert probes["defended"]["injection_success"]["value"] == pytest.approx(0.025)
    assert probes["defended"]["injection_raw_n"] == {"value": 12}
    assert len(probes["logs"]) == 2
    assert _card(report, "length_judge")["probes"] is None
    md = (report.out / "cards" / "principle_judge.md").read_text(encoding="utf-8")
    assert "| position_flip | 0.400 [0.200, 0.600] (n=40) | 0.100 [0.050, 0.150] (n=40) |" in md


def test_provenance(report, found: ReportLogs) -> None:
    [log] = found.agreement
    provenance = _card(report, "principle_judge")["provenance"]["log"]
    assert provenance["sha256"] == log_sha256(log) and len(provenance["sha256"]) == 64
    assert provenance["split_digest"] == log.eval.metadata["split_digest"]
    assert provenance["contamination_digest"] == log.eval.metadata["contamination"]["digest"]
    assert provenance["principles_sha256"] == log.eval.metadata["principles_sha256"]
    assert provenance["model_roles"] == {"judge": "mockllm/judge"}
    assert provenance["baseline_score_metadata"]["fit_on"] == "dev"


def test_paths_are_relative_to_the_report_folder(report, found: ReportLogs, logs: Path) -> None:
    """A committed card names no folder of the machine that made it (issue 11)."""
    import os

    from harness.report.logs import log_path

    [log] = found.agreement
    card = _card(report, "principle_judge")
    expected = Path(os.path.relpath(log_path(log), report.out.resolve())).as_posix()
    assert card["provenance"]["log"]["path"] == expected and expected.startswith("../")
    assert card["provenance"]["paths_relative_to"] == "the report folder (judge-report --out)"
    data_dir = card["provenance"]["log"]["task_args"]["data_dir"]
    assert not os.path.isabs(data_dir) and (report.out / data_dir).resolve() == Path(log.eval.task_args["data_dir"])
    roots = {str(logs.parent.parent), str(report.out.resolve().parent)}
    for written in report.files:
        if written.suffix in (".json", ".md"):
            text = written.read_text(encoding="utf-8")
            assert not any(root in text for root in roots), written
    assert f"`{expected}`" in (report.out / "cards" / "principle_judge.md").read_text(encoding="utf-8")


def test_relative_path_reads_file_urls_and_leaves_other_text() -> None:
    from harness.paths import cache_dir
    from harness.report.relative import relative_path

    assert relative_path("/a/b/logs/x.eval", "/a/b/report") == "../logs/x.eval"
    assert relative_path("file:///a/b/logs/x%20y.eval", "/a/b/report") == "../logs/x y.eval"
    assert relative_path(str(cache_dir("models") / "rm"), "/a/b/report") == "<greetbench cache>/models/rm"
    for text in ("logs/x.eval", "hf/local", "a reason\n/with a line", ""):
        assert relative_path(text, "/a/b/report") == text


def test_tables(found: ReportLogs) -> None:
    table = agreement_table(found.agreement)
    assert table.height == 2 * len(found.agreement[0].samples)
    length = table.filter(pl.col("judge") == "length_judge")
    assert length.get_column("score").to_list() == length.get_column("length").cast(pl.Float64).to_list()
    unscored = table.filter(pl.col("verdict").is_null())
    [log] = found.agreement
    written = {s.scores["principle_judge"].reason for s in log.samples if s.scores["principle_judge"].reason}
    assert unscored.height > 0 and set(unscored.get_column("unscored_reason")) == written
    probes = probe_table(found.probes)
    assert set(probes.get_column("judge")) == {"principle_judge"}
    assert probes.filter(pl.col("defended")).height == 7
    assert probe_metrics(found.probes[-1])["position_flip"]["n"] == 40


def test_cards_of_one_judge_from_two_splits_get_distinct_names(found: ReportLogs) -> None:
    [log] = found.agreement
    other = _header(log)
    other.eval.task_args = {**log.eval.task_args, "split": "all"}
    keys = sorted(spec.key for spec in card_specs([log, other]))
    assert keys == ["length_judge-all", "length_judge-test", "principle_judge-all", "principle_judge-test"]
    again = card_specs([log, _header(log)])
    assert sorted(spec.key for spec in again) == ["length_judge", "principle_judge"]
    assert all(len(spec.superseded) == 1 for spec in again)


def test_the_verdict_only_mode_gets_a_card_of_its_own(found: ReportLogs) -> None:
    [log] = found.agreement
    fast = _header(log)
    fast.eval.task_args = {**log.eval.task_args, "judge_reason": False}
    keys = sorted(spec.key for spec in card_specs([log, fast]))
    # The length rule reads no prompt: one card; the principle judge's two prompts: two.
    assert keys == ["length_judge", "principle_judge-verdict-only", "principle_judge-with-reason"]


def test_cli(logs: Path, tmp_path: Path) -> None:
    agreement = next(p for p in logs.iterdir() if "judge-agreement" in p.name)
    result = CliRunner().invoke(cli, ["judge-report", str(agreement), "--out", str(tmp_path), "--resamples", "50"])
    assert result.exit_code == 0, result.output
    assert "principle_judge" in result.output and "wrote 2 cards" in result.output
    assert (tmp_path / "index.md").is_file()
    empty = CliRunner().invoke(cli, ["judge-report", str(logs / "other.eval"), "--out", str(tmp_path)])
    assert empty.exit_code != 0 and "no successful greetbench/judge_agreement log" in empty.output


def test_reads_a_log_file_written_here(logs: Path) -> None:
    path = next(p for p in logs.iterdir() if "judge-agreement" in p.name)
    assert read_eval_log(str(path), header_only=True).eval.task == "greetbench/judge_agreement"


def test_probe_logs_of_another_judge_model_are_not_shown(found: ReportLogs) -> None:
    [log] = found.agreement
    specs = {spec.judge: spec for spec in card_specs([log])}
    other = _probe_log(log, True, 0.3)
    other.eval.model_roles["judge"].model = "mockllm/another-judge"
    assert probe_section(specs["principle_judge"], [other]) is None
    same = _probe_log(log, True, 0.3)
    assert probe_section(specs["principle_judge"], [same])["defended"]["position_flip"]["value"] == 0.3
    length = _probe_log(log, False, 0.2)
    length.eval.task_args = {"judge": "length", "defended": False}
    length.eval.model_roles["judge"].model = "mockllm/another-judge"  # irrelevant to the length rule
    assert probe_section(specs["length_judge"], [length])["undefended"]["position_flip"]["value"] == 0.2


def test_the_card_gives_judge_minus_length_rule_with_a_paired_interval(report, found: ReportLogs) -> None:
    [log] = found.agreement
    card = _card(report, "principle_judge")
    difference = card["slices"]["all"]["difference"]
    rows = sorted((s for s in log.samples if not _unscored(s)), key=lambda s: str(s.id))
    expected = paired_difference(
        [int(s.scores["principle_judge"].value) for s in rows],
        [int(s.scores["length_judge"].value) for s in rows],
        [s.metadata["label"] for s in rows],
        None,
        [s.metadata["length"] for s in rows],
        n_resamples=RESAMPLES,
    )
    assert difference["n"] == len(rows) and set(difference["figures"]) == {"accuracy", "kappa"}
    assert difference["figures"]["accuracy"] == expected.difference["accuracy"].to_dict()
    judge_accuracy = card["slices"]["all"]["judge"]["figures"]["accuracy"]["value"]
    rule_accuracy = card["slices"]["all"]["baseline"]["figures"]["accuracy"]["value"]
    assert difference["figures"]["accuracy"]["value"] == pytest.approx(judge_accuracy - rule_accuracy)
    assert card["slices"]["decontaminated"]["difference"]["n"] == card["slices"]["decontaminated"]["judge"]["n"]
    assert _card(report, "length_judge")["slices"]["all"]["difference"] is None  # the rule minus itself
    md = (report.out / "cards" / "principle_judge.md").read_text(encoding="utf-8")
    assert "## Judge minus the length rule" in md and fmt_difference(difference["figures"]["accuracy"]) in md
    assert "Does the judge beat the length rule on all rows?" in md
    index = report.index.read_text(encoding="utf-8")
    assert fmt_difference(difference["figures"]["kappa"]) in index
    assert card["calibration"] is None  # no P(good) in this log


def _p_good(sample) -> float:
    """A fabricated P(good) that leans towards the label, varied by the sample's line."""
    return round(0.2 + 0.3 * sample.metadata["label"] + 0.5 * ((sample.metadata["line"] * 37) % 10) / 10, 4)


def _with_p_good(log: EvalLog, *, dev_rows: int = 0, split: str = "test") -> EvalLog:
    """A copy of the agreement log whose principle judge reports P(good) (none on its unscored rows, as without
    logprobs), the first ``dev_rows`` samples turned into calibrate=True fitting rows, and the given split."""
    copy = log.model_copy(deep=True)
    copy.eval.task_args = {**copy.eval.task_args, "split": split}
    for i, sample in enumerate(copy.samples):
        score = sample.scores["principle_judge"]
        missing = math.isnan(float(score.value))
        score.metadata = {
            **(score.metadata or {}),
            "p_good": None if missing else _p_good(sample),
            **({"p_good_missing_reason": "no logprobs"} if missing else {}),
        }
        if split == "dev":
            sample.metadata["split_side"] = "dev"
        if i < dev_rows:
            sample.metadata |= {"split_side": "dev", "reported": False}
    return copy


def _fit_rows(log: EvalLog) -> list:
    return [s for s in log.samples if s.metadata["split_side"] == "dev" and not _unscored(s)]


def test_a_calibrate_log_gets_a_calibrated_verdict_beside_the_raw_one(found: ReportLogs, tmp_path: Path) -> None:
    [base] = found.agreement
    log = _with_p_good(base, dev_rows=60)
    write_eval_log(log, tmp_path / "logs" / "calibrated.eval")
    report = write_judge_report([tmp_path / "logs"], tmp_path / "out", n_resamples=RESAMPLES)
    card = _card(report, "principle_judge")
    fit_rows = _fit_rows(log)
    labels = [s.metadata["label"] for s in fit_rows]
    threshold = fit_threshold([_p_good(s) for s in fit_rows], labels)
    calibration = card["calibration"]
    assert calibration["threshold"] == pytest.approx(threshold) and calibration["fit_rows"] == len(fit_rows)
    assert calibration["fit_good"] == sum(labels) and calibration["fit_source"] == "this log's dev rows"
    assert calibration["overlaps_reported_rows"] is False
    reported = [s for s in log.samples if s.metadata.get("reported", True) and not _unscored(s)]
    assert card["rows"]["total"] == len(log.samples) - 60  # the fitting rows are not reported
    assert card["rows"]["p_good"]["missing_reasons"] == {"no logprobs": card["rows"]["unscored"]}
    calibrated = card["slices"]["all"]["calibrated"]
    by_hand = accuracy([int(_p_good(s) >= threshold) for s in reported], [s.metadata["label"] for s in reported])
    assert calibrated["judge"]["figures"]["accuracy"]["value"] == pytest.approx(by_hand)
    assert calibrated["threshold"] == calibration["threshold"]
    assert set(calibrated["difference"]["figures"]) == {"accuracy", "kappa", "auc"}
    auc = card["slices"]["all"]["judge"]["figures"]["auc"]  # P(good) is the judge's score: it has an AUC now
    assert auc["value"] is not None and auc["ci_low"] <= auc["value"] <= auc["ci_high"]
    assert "auc" in card["slices"]["all"]["difference"]["figures"]  # and an AUC difference against length
    md = (report.out / "cards" / "principle_judge.md").read_text(encoding="utf-8")
    assert f"fit on **{len(fit_rows):,} dev rows**" in md and "calibrated − length rule" in md
    assert "missing on" in md and "no logprobs" in md


def test_a_dev_log_of_the_same_judge_calibrates_a_test_card(found: ReportLogs, tmp_path: Path) -> None:
    [base] = found.agreement
    folder = tmp_path / "logs"
    dev = _with_p_good(base, split="dev")
    test = _with_p_good(base)
    test.eval.created = "9999-01-01T00:00:00+00:00"  # read after the dev log
    write_eval_log(dev, folder / "dev.eval")
    write_eval_log(test, folder / "test.eval")
    report = write_judge_report([folder], tmp_path / "out", n_resamples=RESAMPLES)
    card = _card(report, "principle_judge-test")
    calibration = card["calibration"]
    assert calibration["fit_source"] == "a split=dev log of this judge" and "dev.eval" in calibration["fit_log"]
    assert calibration["fit_rows"] == len(_fit_rows(dev))
    assert calibration["overlaps_reported_rows"] is True  # fabricated: the same rows on both sides
    assert "Overlap" in (report.out / "cards" / "principle_judge-test.md").read_text(encoding="utf-8")
    alone = write_judge_report([folder / "test.eval"], tmp_path / "alone", n_resamples=50)
    note = _card(alone, "principle_judge")["calibration"]
    assert note["threshold"] is None and "calibrate=True" in note["note"]


def test_epochs_are_resampled_by_sample_id(report, found: ReportLogs, tmp_path: Path) -> None:
    [base] = found.agreement
    log = base.model_copy(deep=True)
    log.samples = [*log.samples, *(s.model_copy(update={"epoch": 2}, deep=True) for s in log.samples)]
    write_eval_log(log, tmp_path / "logs" / "epochs.eval")
    twice = write_judge_report([tmp_path / "logs"], tmp_path / "out", n_resamples=RESAMPLES)
    card = _card(twice, "principle_judge")
    assert card["rows"]["total"] == 2 * len(base.samples) and card["rows"]["samples"] == len(base.samples)
    scored_samples = len(base.samples) - card["rows"]["unscored"] // 2
    bootstrap = card["provenance"]["bootstrap"]
    assert bootstrap["resampled"] == "clusters" and bootstrap["clusters"] == scored_samples
    once = _card(report, "principle_judge")  # the same log with one epoch, resampled by row
    assert once["provenance"]["bootstrap"]["resampled"] == "rows"
    for name in ("accuracy", "kappa"):  # two identical epochs resampled by sample id: one epoch's interval
        assert card["slices"]["all"]["judge"]["figures"][name] == pytest.approx(
            once["slices"]["all"]["judge"]["figures"][name]
        )
        assert card["slices"]["all"]["difference"]["figures"][name] == pytest.approx(
            once["slices"]["all"]["difference"]["figures"][name]
        )
    assert "several epochs" in (twice.out / "cards" / "principle_judge.md").read_text(encoding="utf-8")


def test_score_of_reads_p_good() -> None:
    from inspect_ai.scorer import Score

    assert score_of("principle_judge", Score(value=1, metadata={"p_good": 0.25}), 30) == 0.25
    assert score_of("principle_judge", Score(value=1, metadata={"p_good": None}), 30) is None
    assert score_of("principle_judge", Score(value=1, metadata={"p_good": 1.5}), 30) is None  # not a probability
    assert score_of("principle_judge", Score(value=1, metadata={"p_good": True}), 30) is None
    assert score_of("rm_judge", Score(value=1, metadata={"reward": -2.0, "p_good": 0.9}), 30) == -2.0
    assert score_of("length_judge", Score(value=1), 30) == 30.0
