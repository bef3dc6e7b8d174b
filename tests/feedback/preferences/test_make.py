"""The whole loop with scripted mockllm roles: pairs in the RM trainer's format with provenance, malformed judge
outputs recorded and never used, a judge that always says good (no pairs, said plainly), and resumes after a kill
(in process, and a real SIGKILL of a separate process) that neither redo nor lose anything finished."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from feedback.preferences import (
    JudgeSettings,
    PairingSettings,
    PreferenceRunConfig,
    RunFolderError,
    SamplingSettings,
    make_preference_pairs,
    read_lines,
)
from harness.data import load_preference_pairs
from tests.feedback.preferences.scripted import Killed, ScriptedJudge, ScriptedPolicy
from trainers.data import read_preference_pairs

REPO = Path(__file__).resolve().parents[3]
QUERIES = ["妈妈生日祝福语", "给同事的新年祝福", "朋友结婚祝福"]


@pytest.fixture
def query_file(tmp_path: Path) -> Path:
    path = tmp_path / "queries.txt"
    path.write_text("\n".join([*QUERIES, QUERIES[0]]) + "\n", encoding="utf-8")  # a repeat: used once
    return path


def config(run_dir: Path, query_file: Path, **changes: object) -> PreferenceRunConfig:
    values: dict = {
        "run_dir": run_dir,
        "policy": "mockllm/policy",
        "judge": JudgeSettings(name="principle", model="mockllm/judge"),
        "queries": str(query_file),
        "limit": None,
        "sampling": SamplingSettings(k=4, seed=42),
        "concurrency": 2,
    }
    return PreferenceRunConfig(**(values | changes))


def run(cfg: PreferenceRunConfig, policy: ScriptedPolicy, judge: ScriptedJudge):
    return make_preference_pairs(cfg, policy_model=policy.model(), judge_model=judge.model())


def judgement_lines(run_dir: Path) -> list[dict]:
    [path] = sorted((run_dir / "judgements").glob("*.jsonl"))
    return read_lines(path)


def test_pairs_good_against_bad_with_provenance(tmp_path: Path, query_file: Path) -> None:
    policy, judge = ScriptedPolicy(), ScriptedJudge()
    result = run(config(tmp_path / "run", query_file), policy, judge)
    # Per request: 0 long (good), 1 short (bad), 2 repeats 0 (judged once), 3 unreadable (malformed).
    assert policy.calls == 12 and judge.calls == 9
    records = json.loads(result.pair_file.read_text(encoding="utf-8"))
    assert len(records) == 3
    pairs, report = read_preference_pairs(result.pair_file)  # what `greetbench train rm --pairs` reads
    assert report.kept == 3 and sum(report.dropped.values()) == 0
    assert [p.prompt for p in load_preference_pairs(result.pair_file)] == QUERIES
    judgements = {r["trace_id"]: r for r in judgement_lines(tmp_path / "run")}
    for record in records:
        provenance = record["provenance"]
        assert provenance["judge"] == "principle" and provenance["side_rule"] == "verdict"
        for side, verdict in (("chosen", "good"), ("rejected", "bad")):
            found = judgements[provenance[side]["trace_id"]]
            assert found["verdict"] == provenance[side]["verdict"] == verdict
            assert found["response"] == record[side]["value"]
        assert record["rejected"]["value"] == "祝好。" and provenance["chosen"]["candidate"] == 0
    figures = result.report
    assert figures["malformed_judgements"] == 3 and figures["left_out"]["malformed"] == 3
    assert figures["left_out"]["duplicate"] == 3 and (figures["good"], figures["bad"]) == (3, 3)
    assert figures["cost"]["judge_calls"] == 9 and figures["cost"]["items_judged"] == 9
    assert figures["judge_vs_length"]["chosen_longer"] == 1.0 and figures["pairs_length_balance"]["pairs"] == 3
    assert figures["no_pairs"] is None
    assert result.report_md == tmp_path / "run" / "pairs.report.md"
    assert result.report_md.read_text(encoding="utf-8").startswith("# Preference pairs: run (pairs.json)")
    assert json.loads((tmp_path / "run" / "pairs.report.json").read_text(encoding="utf-8"))["pairs"] == 3


def test_malformed_judge_outputs_are_recorded_and_never_used(tmp_path: Path, query_file: Path) -> None:
    result = run(config(tmp_path / "run", query_file), ScriptedPolicy(), ScriptedJudge())
    malformed = [r for r in judgement_lines(tmp_path / "run") if r["malformed"]]
    assert len(malformed) == 3
    assert all(r["verdict"] is None and "再想想" in r["trace"][0]["output"] for r in malformed)
    records = json.loads(result.pair_file.read_text(encoding="utf-8"))
    written = {record[side]["value"] for record in records for side in ("chosen", "rejected")}
    assert not written & {r["response"] for r in malformed}


def test_a_judge_that_always_says_good_gives_no_pairs_and_says_so(tmp_path: Path, query_file: Path) -> None:
    result = run(config(tmp_path / "run", query_file), ScriptedPolicy(), ScriptedJudge(always="good"))
    assert json.loads(result.pair_file.read_text(encoding="utf-8")) == []
    assert result.report["pairs"] == 0
    assert result.report["no_pairs"] == (
        "no pairs: the judge called every scored candidate good (9 of 9); nothing to pair them with"
    )


def test_p_good_threshold_and_gap(tmp_path: Path, query_file: Path) -> None:
    judge = ScriptedJudge()
    pairing = PairingSettings(threshold=0.6)
    result = run(config(tmp_path / "run", query_file, pairing=pairing), ScriptedPolicy(), judge)
    records = json.loads(result.pair_file.read_text(encoding="utf-8"))
    assert len(records) == 3 and records[0]["provenance"]["side_rule"] == "P(good) >= 0.6"
    assert all(r["provenance"]["chosen"]["p_good"] >= 0.6 > r["provenance"]["rejected"]["p_good"] for r in records)
    # Re-pairing needs no model call: the same folder, another rule.
    again = ScriptedJudge()
    strict = run(config(tmp_path / "run", query_file, pairing=PairingSettings(min_gap=0.95)), ScriptedPolicy(), again)
    assert again.calls == 0 and strict.report["pairs"] == 0
    assert strict.report["no_pairs"] == "no pairs: all 3 good x bad pairs fall short of min_gap 0.95"


def test_a_killed_judging_phase_resumes_without_redoing_or_losing_anything(tmp_path: Path, query_file: Path) -> None:
    whole = run(config(tmp_path / "whole", query_file, concurrency=1), ScriptedPolicy(), ScriptedJudge())
    with pytest.raises(Killed):
        run(config(tmp_path / "run", query_file, concurrency=1), ScriptedPolicy(), ScriptedJudge(kill_after=4))
    finished = judgement_lines(tmp_path / "run")
    assert len(finished) == 4
    policy, judge = ScriptedPolicy(), ScriptedJudge()
    resumed = run(config(tmp_path / "run", query_file, concurrency=1), policy, judge)
    assert policy.calls == 0 and judge.calls == 9 - 4  # nothing finished is asked again
    assert judgement_lines(tmp_path / "run")[:4] == finished  # nothing finished is lost
    assert resumed.pair_file.read_text(encoding="utf-8") == whole.pair_file.read_text(encoding="utf-8")
    assert resumed.report["this_session"]["judging"]["reused"] == 4


def test_a_killed_sampling_phase_resumes_per_request(tmp_path: Path, query_file: Path) -> None:
    with pytest.raises(Killed):
        run(config(tmp_path / "run", query_file, concurrency=1), ScriptedPolicy(kill_after=6), ScriptedJudge())
    assert len(read_lines(tmp_path / "run" / "samples.jsonl")) == 1  # the first request's four; the second's lost
    policy, judge = ScriptedPolicy(), ScriptedJudge()
    result = run(config(tmp_path / "run", query_file, concurrency=1), policy, judge)
    assert policy.calls == 8 and judge.calls == 9 and result.report["pairs"] == 3


def test_a_run_folder_refuses_other_sampling_settings(tmp_path: Path, query_file: Path) -> None:
    run(config(tmp_path / "run", query_file), ScriptedPolicy(), ScriptedJudge())
    with pytest.raises(RunFolderError, match="k: folder 4, asked 3"):
        run(config(tmp_path / "run", query_file, sampling=SamplingSettings(k=3)), ScriptedPolicy(), ScriptedJudge())


def test_another_judge_rejudges_the_same_candidates_in_the_same_folder(tmp_path: Path, query_file: Path) -> None:
    run(config(tmp_path / "run", query_file), ScriptedPolicy(), ScriptedJudge())
    policy = ScriptedPolicy()
    length = JudgeSettings(name="length", length_threshold=10)
    result = make_preference_pairs(config(tmp_path / "run", query_file, judge=length), policy_model=policy.model())
    assert policy.calls == 0 and len(list((tmp_path / "run" / "judgements").glob("*.jsonl"))) == 2
    assert result.report["judge"]["judge"] == "length" and result.report["cost"]["judge_calls"] == 0
    assert result.report["pairs"] == 6  # the unreadable greeting (7-9 chars) is bad by length: 1 good x 2 bad each


RUNNER = """
import sys
from pathlib import Path
from feedback.preferences import JudgeSettings, PreferenceRunConfig, SamplingSettings, make_preference_pairs
from tests.feedback.preferences.scripted import ScriptedJudge, ScriptedPolicy

run_dir, queries = Path(sys.argv[1]), sys.argv[2]
config = PreferenceRunConfig(
    run_dir=run_dir, policy="mockllm/policy", judge=JudgeSettings(name="principle", model="mockllm/judge"),
    queries=queries, limit=None, sampling=SamplingSettings(k=4, seed=42), concurrency=1,
)
make_preference_pairs(config, policy_model=ScriptedPolicy().model(), judge_model=ScriptedJudge(delay=0.5).model())
"""


def test_a_sigkilled_process_resumes(tmp_path: Path, query_file: Path) -> None:
    run_dir = tmp_path / "run"
    script = tmp_path / "runner.py"
    script.write_text(RUNNER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")])}
    process = subprocess.Popen([sys.executable, str(script), str(run_dir), str(query_file)], cwd=REPO, env=env)
    judgements = run_dir / "judgements"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            files = list(judgements.glob("*.jsonl")) if judgements.is_dir() else []
            if files and len(read_lines(files[0])) >= 2:
                break
            time.sleep(0.05)
        assert process.poll() is None, "the runner ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    finished = judgement_lines(run_dir)
    assert 2 <= len(finished) < 9
    policy, judge = ScriptedPolicy(), ScriptedJudge()
    result = run(config(run_dir, query_file, concurrency=1), policy, judge)
    assert policy.calls == 0 and judge.calls == 9 - len(finished)
    assert judgement_lines(run_dir)[: len(finished)] == finished and result.report["pairs"] == 3


def test_a_torn_last_line_is_cut_and_that_step_redone(tmp_path: Path, query_file: Path) -> None:
    run(config(tmp_path / "run", query_file), ScriptedPolicy(), ScriptedJudge())
    [path] = sorted((tmp_path / "run" / "judgements").glob("*.jsonl"))
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])  # a write cut by a kill
    judge = ScriptedJudge()
    result = run(config(tmp_path / "run", query_file), ScriptedPolicy(), judge)
    assert judge.calls == 1 and len(read_lines(path)) == 9 and result.report["pairs"] == 3


def test_a_damaged_line_in_the_middle_is_an_error(tmp_path: Path, query_file: Path) -> None:
    run(config(tmp_path / "run", query_file), ScriptedPolicy(), ScriptedJudge())
    samples = tmp_path / "run" / "samples.jsonl"
    lines = samples.read_text(encoding="utf-8").splitlines()
    samples.write_text("\n".join([lines[0], "{oops", *lines[1:]]) + "\n", encoding="utf-8")
    with pytest.raises(RunFolderError, match=r"samples.jsonl:2: not valid JSON"):
        run(config(tmp_path / "run", query_file), ScriptedPolicy(), ScriptedJudge())
