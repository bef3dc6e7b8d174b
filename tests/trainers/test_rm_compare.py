"""compare-rm on a tiny reward model: every contender on the same rows, the length rule beside them, scores kept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from harness.data import DataFiles, load_eval_set, split_eval_set
from harness.judges.reward_model import fit_and_save_threshold


def test_compare_writes_one_table_and_per_item_scores(
    tmp_path: Path, mini_data_dir: Path, tiny_reward_model_dir: Path, monkeypatch
) -> None:
    from greetbench.cli import cli

    plain = tmp_path / "plain"
    shutil.copytree(tiny_reward_model_dir, plain)
    split = split_eval_set(load_eval_set(DataFiles(mini_data_dir).eval_set))
    fit_and_save_threshold(plain, split)
    headed = tmp_path / "headed"
    shutil.copytree(plain, headed)
    fit_and_save_threshold(headed, split, length_head=True)
    out = tmp_path / "report"
    args = ["train", "compare-rm", f"plain={plain}", f"headed={headed}", "--out", str(out), "--probe-n", "4"]
    result = CliRunner().invoke(cli, [*args, "--pair-sample", "3", "--data-dir", str(mini_data_dir)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    names = [c["name"] for c in report["contenders"]]
    assert names == ["plain", "headed", "length rule"]
    for contender in report["contenders"]:
        assert {"accuracy", "kappa", "auc", "minus_length_rule"} <= set(contender["test"])
        assert {"injection_success", "repetition_success", "meta_text_success", "null_good"} <= set(contender["probes"])
        assert {"length_pad_good_to_bad", "length_pad_bad_to_good"} <= set(contender["probes"])
        assert set(contender["pairs"]) == {"all (sample)", "chosen not longer", "within 10%"}
    # in the mini data length alone separates the labels: no stratum holds both, so there is no within figure
    assert report["within_strata"]["strata_used"] == []
    assert report["contenders"][0]["within_strata_auc"]["value"] is None
    rule = report["contenders"][2]
    assert rule["test"]["minus_length_rule"]["accuracy"]["value"] == 0.0
    lines = (out / "scores" / "headed.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert sum(r["set"] == "test" for r in records) == report["rows"]["test"]
    assert all(r["verdict"] in (0, 1) for r in records)
    assert report["attack_form_split"]["heldout"]["repetition"]
    markdown = (out / "comparison.md").read_text(encoding="utf-8")
    assert "held-out" in markdown and "| headed |" in markdown and "| length rule |" in markdown

    # a rerun on the same folder reuses the scores of unchanged models: no model is loaded again
    from harness.judges.reward_model import RewardModel

    def no_load(*args, **kwargs):
        raise AssertionError("an unchanged model was loaded again")

    monkeypatch.setattr(RewardModel, "load", no_load)
    again = CliRunner().invoke(cli, [*args, "--pair-sample", "3", "--data-dir", str(mini_data_dir)])
    assert again.exit_code == 0, again.output
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["contenders"] == report["contenders"]

    # a bare name keeps an earlier contender whose weights are gone; a new one joins the same table
    shutil.rmtree(plain)
    kept = ["train", "compare-rm", "plain", f"again={headed}", "--out", str(out), "--probe-n", "4"]
    joined = CliRunner().invoke(cli, [*kept, "--pair-sample", "3", "--data-dir", str(mini_data_dir)])
    assert joined.exit_code == 0, joined.output
    contenders = json.loads((out / "report.json").read_text(encoding="utf-8"))["contenders"]
    assert [c["name"] for c in contenders] == ["plain", "again", "length rule"]
    assert contenders[0]["test"] == report["contenders"][0]["test"]
    assert contenders[0]["checkpoint"] == str(plain)
    assert contenders[1]["probes"] == report["contenders"][1]["probes"]

    # a bare name the earlier run does not have fails in one line, naming the report
    missing = CliRunner().invoke(
        cli, ["train", "compare-rm", "nobody", "--out", str(out), "--data-dir", str(mini_data_dir)]
    )
    assert missing.exit_code == 1 and "no contender 'nobody' to keep" in missing.output
    assert "report.json" in missing.output


def test_a_bad_contender_fails_in_one_line(tmp_path: Path, mini_data_dir: Path) -> None:
    from greetbench.cli import cli

    for args, needle in (
        (["nobody="], "expected NAME=CHECKPOINT or NAME"),
        ([f"x={tmp_path}"], "not a model checkpoint folder"),
    ):
        result = CliRunner().invoke(cli, ["train", "compare-rm", *args, "--out", str(tmp_path / "o")])
        assert result.exit_code == 2 and needle in result.output
