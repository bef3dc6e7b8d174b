"""Reading logs for leaderboards, and the checks they pass: finished, consistent, configuration, secrets."""

from __future__ import annotations

import math
import secrets
from pathlib import Path

import pytest
from inspect_ai.log import read_eval_log, write_eval_log
from leaderboard_logs import MadeLogs, rewrite

from harness.creativity import CREATIVITY_FIGURES
from harness.leaderboard.logs import (
    LogReadError,
    check_consistency,
    check_finished,
    check_leaderboard_log,
    config_differences,
    find_secrets,
    judge_figures,
    looks_secret,
    read_log,
    run_config,
    sanitize,
)
from harness.leaderboard.table import CREATIVITY_COLUMNS
from harness.logs.read import expand_log_paths
from harness.principles import load_principles


def test_creativity_columns_follow_the_creativity_module() -> None:
    assert CREATIVITY_COLUMNS == CREATIVITY_FIGURES


def test_summaries_and_full_samples_read_the_same(made_logs: MadeLogs) -> None:
    path = made_logs.main["mockllm/plain"]
    quick, full = read_log(path), read_log(path, full=True)
    assert quick.sha256 == full.sha256 and len(quick.samples) == len(full.samples) == 6
    assert [s.output for s in quick.samples] == [s.output for s in full.samples]
    assert [s.scores["principle_judge"] for s in quick.samples] == [s.scores["principle_judge"] for s in full.samples]
    assert quick.log.samples is None and full.log.samples is None  # the header only is kept
    figures = judge_figures(quick.scores, "principle_judge")
    assert figures["excellence_rate"] == 0.5 and figures["scored"] == 6


def test_summaries_and_full_samples_give_the_same_scores_frame(made_logs: MadeLogs) -> None:
    """Inspect's summaries and its whole samples give one frame (answers aside: summaries may truncate them)."""
    for path in [*made_logs.main.values(), *made_logs.broken.values(), made_logs.limited]:
        quick, full = read_log(path).scores.drop("answer"), read_log(path, full=True).scores.drop("answer")
        assert quick.equals(full), path


def test_run_config_of_a_run(made_logs: MadeLogs) -> None:
    config = run_config(read_log(made_logs.main["mockllm/warm"]))
    assert config.task == "greetbench/greeting_generation" and config.task_version == 1
    assert config.prompt_set == "greetings-bundled" and config.prompt_count == 6
    assert config.judge_models == {"judge": "mockllm/judge"}
    assert config.principles_sha256 == load_principles().sha256
    assert config.judges == ("principle_judge", "rival_judge", "length_judge", "constant_judge", "panel")


def test_what_makes_runs_incomparable(made_logs: MadeLogs) -> None:
    main = run_config(read_log(made_logs.main["mockllm/warm"]))
    same = run_config(read_log(made_logs.main["null/echo"]))
    other_judge = run_config(read_log(made_logs.broken["null/echo"]))
    fewer = run_config(read_log(made_logs.limited))
    assert main.comparability_key() == same.comparability_key() and config_differences(main, same) == []
    [judge_difference] = config_differences(main, other_judge)
    assert judge_difference == "judge models: judge=mockllm/judge-len (expected judge=mockllm/judge)"
    [prompt_difference] = config_differences(main, fewer)
    assert prompt_difference.startswith("prompt set: greetings-bundled (3 prompts")


def test_finished_consistent_logs_pass(made_logs: MadeLogs) -> None:
    for path in made_logs.main.values():
        assert check_leaderboard_log(read_log(path)) == [], path
        assert check_consistency(read_log(path, full=True)) == [], path


def test_errored_log_is_refused_with_its_error(made_logs: MadeLogs) -> None:
    [reason] = check_leaderboard_log(read_log(made_logs.errored))
    assert reason == "errored: Model role 'judge' is required and was not specified."


def test_unfinished_log_is_refused(made_logs: MadeLogs, tmp_path: Path) -> None:
    log = read_eval_log(str(made_logs.main["mockllm/warm"]))
    log.status = "started"
    write_eval_log(log, str(tmp_path / "started.eval"))
    assert check_finished(read_log(tmp_path / "started.eval").log) == ["not finished (status 'started')"]


def test_edited_header_metric_is_caught(made_logs: MadeLogs, tmp_path: Path) -> None:
    log = read_eval_log(str(made_logs.main["mockllm/plain"]))
    log.results.scores[0].metrics["excellence_rate"].value = 0.9
    write_eval_log(log, str(tmp_path / "edited.eval"))
    [problem] = check_leaderboard_log(read_log(tmp_path / "edited.eval"))
    assert problem == "inconsistent: principle_judge excellence_rate in the header is 0.9 but the samples give 0.5"


def test_edited_sample_score_is_caught(made_logs: MadeLogs, tmp_path: Path) -> None:
    log = read_eval_log(str(made_logs.main["mockllm/plain"]))
    for sample in log.samples:
        sample.scores["principle_judge"].value = 1.0  # every greeting "good", header left as it was
    write_eval_log(log, str(tmp_path / "edited.eval"))
    problems = check_consistency(read_log(tmp_path / "edited.eval", full=True))
    assert "inconsistent: principle_judge excellence_rate in the header is 0.5 but the samples give 1.0" in problems


def test_dropped_sample_is_caught(made_logs: MadeLogs, tmp_path: Path) -> None:
    log = read_eval_log(str(made_logs.main["mockllm/plain"]))
    log.samples = log.samples[1:]
    write_eval_log(log, str(tmp_path / "dropped.eval"))
    problems = check_leaderboard_log(read_log(tmp_path / "dropped.eval"))
    assert "1 sample(s) of the run are missing from the log" in problems


def test_principles_swapped_in_the_header_are_caught(made_logs: MadeLogs, tmp_path: Path) -> None:
    target = tmp_path / "principles.eval"
    metadata = dict(read_eval_log(str(made_logs.main["mockllm/warm"]), header_only=True).eval.metadata)
    metadata["principles_sha256"] = "0" * 64
    rewrite(made_logs.main["mockllm/warm"], target, metadata=metadata)
    [problem] = check_consistency(read_log(target))
    assert problem.startswith("inconsistent: sample scores carry principles 19488ba1a553, header says 000000000000")


def test_not_a_log(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.eval"
    bogus.write_bytes(b"not a zip")
    with pytest.raises(LogReadError, match="not a readable Inspect log"):
        read_log(bogus)
    with pytest.raises(LogReadError, match="no such log file or folder"):
        expand_log_paths([tmp_path / "missing"])


def test_folders_expand_to_their_logs(made_logs: MadeLogs) -> None:
    found = expand_log_paths([made_logs.main_dir, made_logs.main["null/echo"]])
    assert sorted(found) == sorted(p.resolve() for p in made_logs.main.values())


def test_secret_shapes() -> None:
    assert looks_secret("sk-proj-abc") and looks_secret("hf_" + "x" * 30) and looks_secret(secrets.token_urlsafe(32))
    assert not looks_secret("Qwen/Qwen2.5-7B-Instruct") and not looks_secret("grpo_policy_checkpoint_1000_final_v2")
    assert not looks_secret("0" * 64) and not looks_secret("请只生成一条祝福语")


def test_sanitize_drops_secret_names_and_redacts_secret_values() -> None:
    args = {
        "api_key": "abc",
        "HF_TOKEN": "abc",
        "client_secret": "abc",
        "max_tokens": 256,
        "author": "me",
        "base_url": "https://user:pw@example.com:8443/v1?key=abc",
        "headers": {"Authorization": "Bearer abc", "x": "sk-live-123"},
        "list": ["ghp_" + "a" * 36, "fine"],
    }
    assert sanitize(args) == {
        "max_tokens": 256,
        "author": "me",
        "base_url": "https://example.com:8443/v1",
        "headers": {"x": "[redacted]"},
        "list": ["[redacted]", "fine"],
    }


def test_find_secrets_in_a_header(made_logs: MadeLogs, tmp_path: Path) -> None:
    assert find_secrets(read_log(made_logs.main["mockllm/warm"]).log) == []
    target = rewrite(made_logs.main["mockllm/warm"], tmp_path / "secret.eval", model_args={"api_key": "k", "n": 1})
    assert find_secrets(read_log(target).log) == ["model_args.api_key"]


def test_recomputed_rates_follow_inspects_epoch_reduction(tmp_path: Path) -> None:
    """With epochs, an unscored epoch abstains and the others are averaged, as Inspect reduces them."""
    from itertools import count

    from inspect_ai import eval as inspect_eval
    from inspect_ai.model import get_model
    from leaderboard_logs import JUDGES, POLICIES, leaderboard_task
    from mocks import mock_output

    calls = count()

    def flaky(messages, *_):  # noqa: ANN001, ANN202
        return mock_output("no idea") if next(calls) % 5 in (0, 3) else JUDGES["mockllm/judge"](messages)

    [log] = inspect_eval(
        leaderboard_task(),
        model=get_model("mockllm/plain", custom_outputs=POLICIES["mockllm/plain"]),
        model_roles={"judge": get_model("mockllm/judge", custom_outputs=flaky)},
        epochs=2,
        display="none",
        log_dir=str(tmp_path),
    )
    record = read_log(log.location, full=True)
    assert len(record.samples) == 12 and any(math.isnan(s.scores["principle_judge"][0]) for s in record.samples)
    assert check_leaderboard_log(record) == []
    logged = {m: v.value for m, v in log.results.scores[0].metrics.items()}
    assert judge_figures(record.scores, "principle_judge")["excellence_rate"] == logged["excellence_rate"]


def test_json_logs_read_like_eval_logs(made_logs: MadeLogs, tmp_path: Path) -> None:
    from leaderboard_logs import make_log

    as_json = make_log("mockllm/plain", tmp_path, log_format="json")
    assert as_json.suffix == ".json"
    record, reference = read_log(as_json), read_log(made_logs.main["mockllm/plain"])
    assert check_leaderboard_log(record) == []
    assert run_config(record).comparability_key() == run_config(reference).comparability_key()
    assert [s.output for s in record.samples] == [s.output for s in reference.samples]
