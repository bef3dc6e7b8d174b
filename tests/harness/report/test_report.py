"""Judge reports from a judge_agreement log made here (scripted judge of known accuracy) and hand-made probe logs."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from agreement_data import scripted_judge, scripted_outcome, write_synthetic_data_dir
from click.testing import CliRunner
from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog, EvalMetric, EvalScore, read_eval_log, write_eval_log
from inspect_ai.model import get_model

from harness.agreement import agreement_figures
from harness.cli import cli
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
    assert card["rows"]["unscored_reasons"] == {"grader_failed": unscored}
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


def test_tables(found: ReportLogs) -> None:
    table = agreement_table(found.agreement)
    assert table.height == 2 * len(found.agreement[0].samples)
    length = table.filter(pl.col("judge") == "length_judge")
    assert length.get_column("score").to_list() == length.get_column("length").cast(pl.Float64).to_list()
    unscored = table.filter(pl.col("verdict").is_null())
    assert unscored.height > 0 and set(unscored.get_column("unscored_reason")) == {"grader_failed"}
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
