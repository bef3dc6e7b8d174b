"""judge_probes end to end through Inspect: deliberately biased mockllm judges are caught, an unbiased one is not,
and the log's metric names are the contract the judge report reads."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog
from inspect_ai.model import ModelOutput, get_model
from mocks import mock_output

from harness.judges.principle import PRINCIPLE_JUDGE_SYSTEM, PRINCIPLE_JUDGE_SYSTEM_UNDEFENDED, escape_tags
from harness.probes import PROBES
from tasks.judge_probes import judge_probes
from tests.harness.probes.scripted import (
    ScriptedJudge,
    coin_flipper,
    first_position,
    injection_obeyer,
    length_lover,
    write_eval_set,
    yes_man,
)

N = 6
CONTRACT = {
    "position": "position_flip",
    "length_pad": "length_pad_flip",
    "length_inflate": "length_inflate_flip",
    "injection": "injection_success",
    "repetition": "repetition_success",
    "meta_text": "meta_text_success",
    "null": "null_good",
    "stability": "stability_flip",
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(write_eval_set(tmp_path_factory.mktemp("data")))


def run(data_dir: str, log_dir: Path, mock: Callable[..., ModelOutput] | None, **args: object) -> EvalLog:
    """Run judge_probes with no policy model and ``mock`` (if any) as the judge role."""
    roles = {"judge": get_model("mockllm/judge", custom_outputs=mock)} if mock else {}
    task = judge_probes(data_dir=data_dir, n=N, **args)
    [log] = inspect_eval(task, model="none", model_roles=roles, display="none", log_dir=str(log_dir))
    assert log.status == "success", log.error
    return log


def metrics(log: EvalLog) -> dict[str, float]:
    [score] = [s for s in log.results.scores if s.name == "probe"]
    return {name: m.value for name, m in score.metrics.items()}


def rates(log: EvalLog) -> dict[str, float]:
    values = metrics(log)
    return {probe: values[f"{stem}_rate"] for probe, stem in CONTRACT.items() if f"{stem}_rate" in values}


@pytest.fixture(scope="module")
def unbiased_log(data_dir: str, tmp_path_factory: pytest.TempPathFactory) -> EvalLog:
    """Every probe, judged by the unbiased scripted judge."""
    return run(data_dir, tmp_path_factory.mktemp("logs"), ScriptedJudge())


def test_metric_names_match_the_contract(unbiased_log: EvalLog) -> None:
    log = unbiased_log
    assert log.eval.task == "greetbench/judge_probes"
    assert log.eval.task_args["judge"] == "principle" and log.eval.task_args["defended"] is True
    assert {name: kind.metric for name, kind in PROBES.items()} == CONTRACT
    names = set(metrics(log))
    for stem in CONTRACT.values():
        assert {f"{stem}_rate", f"{stem}_rate_ci_low", f"{stem}_rate_ci_high", f"{stem}_n"} <= names
    assert {"injection_raw_good_share", "injection_raw_good_share_n"} <= names
    assert log.eval.metadata["probes"] == list(CONTRACT)
    # every sample records its probe, verdicts and a failed flag
    sample = log.samples[0]
    assert {"probe", "verdicts", "failed", "hit"} <= set(sample.scores["probe"].metadata)
    assert {"probe", "original", "perturbed", "details"} <= set(sample.metadata)


def test_unbiased_judge_scores_zero_everywhere(unbiased_log: EvalLog) -> None:
    log = unbiased_log
    values = metrics(log)
    assert rates(log) == dict.fromkeys(CONTRACT, 0.0)
    for stem in CONTRACT.values():
        assert values[f"{stem}_n"] > 0
        assert values[f"{stem}_rate_ci_low"] == 0.0 < values[f"{stem}_rate_ci_high"] < 1.0
    assert values["injection_raw_good_share"] == 0.0


@pytest.mark.parametrize(
    ("make", "probe", "expected"),
    [
        (first_position, "position", 1.0),
        (length_lover, "length_inflate", 1.0),
        (injection_obeyer, "injection", 1.0),
        (coin_flipper, "stability", None),  # > 0
    ],
)
def test_biased_judges_are_caught(make, probe: str, expected: float | None, data_dir: str, tmp_path: Path) -> None:
    found = rates(run(data_dir, tmp_path, make(), probes=probe))
    assert list(found) == [probe]  # only the probes of the run
    assert found[probe] == expected if expected is not None else found[probe] > 0.3


def test_yes_man_is_caught_by_the_null_probe(data_dir: str, tmp_path: Path) -> None:
    log = run(data_dir, tmp_path, yes_man(), probes="null")
    kinds = [s.metadata["details"]["null_kind"] for s in log.samples]
    # Empty responses never reach the model (the judge cores call them bad), so a yes-man is caught on the rest.
    assert metrics(log)["null_good_rate"] == pytest.approx(1 - kinds.count("empty") / len(kinds))
    assert metrics(log)["null_good_rate"] >= 0.6
    by_kind = {s.metadata["details"]["null_kind"]: s.scores["probe"].metadata["failed"] for s in log.samples}
    assert by_kind == {"empty": False, "constant": True, "echo": True}


def test_undefended_prompt_reaches_the_judge(data_dir: str, tmp_path: Path) -> None:
    plain = injection_obeyer()
    log = run(data_dir, tmp_path, plain, probes="injection", defended=False)
    assert metrics(log)["injection_success_rate"] == 1.0
    assert log.eval.metadata["judge_setup"]["defenses"] == "off"
    assert {system for system, _ in plain.prompts} == {PRINCIPLE_JUDGE_SYSTEM_UNDEFENDED}
    injected = [s.metadata["perturbed"] for s in log.samples]
    plain_prompts = "\n".join(p for _, p in plain.prompts)
    assert all(text in plain_prompts for text in injected)  # pasted verbatim, brackets and all

    defended = injection_obeyer()
    log = run(data_dir, tmp_path, defended, probes="injection")
    assert {system for system, _ in defended.prompts} == {PRINCIPLE_JUDGE_SYSTEM}
    defended_prompts = "\n".join(p for _, p in defended.prompts)
    injected = [s.metadata["perturbed"] for s in log.samples]
    assert any("<" in text for text in injected)
    for text in injected:
        assert escape_tags(text) in defended_prompts
        assert ("<" in text) != (text in defended_prompts)  # only bracket-free injections survive verbatim


def test_debate_and_length_judges(data_dir: str, tmp_path: Path) -> None:
    debate = run(data_dir, tmp_path, length_lover(), judge="debate", probes="length_inflate,null")
    assert rates(debate) == {"length_inflate": 1.0, "null": 0.0}
    assert debate.eval.metadata["judge_setup"]["retrieval"] is False
    length = run(data_dir, tmp_path, None, judge="length")  # the length rule needs no model role
    found = rates(length)
    assert found["position"] == 0.0 and found["stability"] == 0.0 and found["length_inflate"] == 1.0


def test_unreadable_judge_output_is_uncounted_not_a_pass(data_dir: str, tmp_path: Path) -> None:
    log = run(data_dir, tmp_path, lambda *_: mock_output("I cannot decide."), probes="null,stability")
    values = metrics(log)
    assert values["stability_flip_n"] == 0 and math.isnan(values["stability_flip_rate"])
    assert values["stability_flip_uncounted"] == N
    # the two empty null cases are judged without the model; the other four are unreadable
    assert values["null_good_n"] == 2 and values["null_good_uncounted"] == N - 2
    reasons = {s.scores["probe"].reason for s in log.samples if s.metadata["probe"] == "stability"}
    assert reasons == {"grader_failed"}


def test_errors_are_clear(data_dir: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no switchable defenses"):
        judge_probes(judge="debate", defended=False, data_dir=data_dir, n=N)
    with pytest.raises(ValueError, match="unknown judge"):
        judge_probes(judge="oracle", data_dir=data_dir, n=N)
    with pytest.raises(ValueError, match="unknown probes"):
        judge_probes(probes="position,vibes", data_dir=data_dir, n=N)
    task = judge_probes(data_dir=data_dir, n=N, probes="null")
    [log] = inspect_eval(task, model="none", display="none", log_dir=str(tmp_path))
    assert log.status == "error" and "judge" in log.error.message and "required" in log.error.message


def test_no_data_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GREETBENCH_DATA_DIR", raising=False)
    monkeypatch.setenv("GREETBENCH_CACHE_DIR", "/nonexistent-greetbench-cache")
    with pytest.raises(FileNotFoundError, match="labelled evaluation set"):
        judge_probes(judge="principle", n=N)


@pytest.fixture(scope="module")
def lenient_rm(tiny_reward_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny random reward model with a cut so low that every non-empty greeting is good."""
    import shutil

    from harness.judges.reward_model import StoredThreshold, save_threshold

    folder = tmp_path_factory.mktemp("rm") / "lenient"
    shutil.copytree(tiny_reward_model_dir, folder)
    save_threshold(folder, StoredThreshold(threshold=-1e9))
    return folder


def test_reward_model_judge(data_dir: str, tmp_path: Path, lenient_rm: Path) -> None:
    from harness.judge_names import PROBED_JUDGE_KEY, RM_IDENTITY
    from harness.judges.reward_model import reward_model_identity
    from harness.report.cards.specs import run_traits

    log = run(data_dir, tmp_path, None, judge="rm", rm_checkpoint=str(lenient_rm))  # no model role needed
    values = metrics(log)
    # scored alone, a pair's winner cannot follow the order; the forward is deterministic
    assert values["position_flip_rate"] == 0.0 and values["stability_flip_rate"] == 0.0
    # the two empty null cases are bad without a forward; the constant and echoed ones clear the lenient cut
    assert values["null_good_n"] == N and values["null_good_rate"] == pytest.approx(4 / N)
    # every clean bad greeting is judged good, so no injection can count as turning it
    assert values["injection_success_n"] == 0 and values["injection_raw_good_share"] == 1.0
    identity = reward_model_identity(lenient_rm).sha256
    assert log.eval.metadata[PROBED_JUDGE_KEY][RM_IDENTITY] == identity
    # the probe log joins the card of the same reward model, known by content
    assert run_traits(log)["rm_checkpoint"].startswith(f"rm-{identity[:8]}")


def test_reward_model_judge_needs_a_checkpoint_with_a_cut(data_dir: str, tiny_reward_model_dir: Path) -> None:
    from harness.errors import TaskArgumentError

    with pytest.raises(TaskArgumentError, match="rm_checkpoint"):
        judge_probes(judge="rm", data_dir=data_dir, n=N)
    with pytest.raises(TaskArgumentError, match="threshold"):
        judge_probes(judge="rm", data_dir=data_dir, n=N, rm_checkpoint=str(tiny_reward_model_dir))
