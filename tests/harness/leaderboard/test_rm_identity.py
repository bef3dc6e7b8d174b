"""Reward-model judges are known by content: two RMs saved as ``<out>/model`` are never ranked together, nor does
one supersede the other; the same RM under another folder name is the same judge."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import MemoryDataset
from inspect_ai.log import read_eval_log, write_eval_log
from inspect_ai.model import get_model
from leaderboard_logs import rewrite, warm

from harness.judges import length_judge
from harness.judges.reward_model import StoredThreshold, reward_model_identity, reward_model_judge, save_threshold
from harness.leaderboard import BuildInputs, build_leaderboard
from harness.leaderboard.logs import check_leaderboard_log, judge_models, read_log, run_config
from harness.report.cards import card_specs
from tasks.greeting_generation import greeting_generation

RM = "reward_model_judge"
KEY = f"{RM}.checkpoint"


@dataclass(frozen=True)
class RmLogs:
    """``first`` and ``second`` used different RMs, both saved as ``.../model``; ``renamed`` used a copy of the
    first RM under another folder name. All three ran the same policy, in that order."""

    first: Path
    second: Path
    renamed: Path
    first_rm: Path
    second_rm: Path


def _rm_log(checkpoint: Path, log_dir: Path) -> Path:
    """greeting_generation on three bundled prompts, judged by the RM and the length rule, for ``mockllm/warm``."""
    task = greeting_generation(prompts="bundled", judges="length", rm_checkpoint=str(checkpoint))
    task.dataset = MemoryDataset(list(task.dataset)[:3], name=task.dataset.name, location="bundled")
    task.scorer = [reward_model_judge(str(checkpoint)), length_judge(threshold=39)]
    [log] = inspect_eval(
        task, model=get_model("mockllm/warm", custom_outputs=warm), display="none", log_dir=str(log_dir)
    )
    assert log.status == "success", log.error
    return Path(log.location)


@pytest.fixture(scope="module")
def rm_logs(tmp_path_factory: pytest.TempPathFactory, tiny_reward_model_dir: Path) -> RmLogs:
    root = tmp_path_factory.mktemp("rm-identity")
    first_rm = Path(shutil.copytree(tiny_reward_model_dir, root / "run-a" / "model"))
    second_rm = Path(shutil.copytree(tiny_reward_model_dir, root / "run-b" / "model"))
    save_threshold(first_rm, StoredThreshold(threshold=-1e9))
    save_threshold(second_rm, StoredThreshold(threshold=1e9))  # same weights, another cut: another judge
    renamed_rm = Path(shutil.copytree(first_rm, root / "copy-of-a"))
    logs = root / "logs"
    first, second = _rm_log(first_rm, logs), _rm_log(second_rm, logs)
    time.sleep(1.1)  # the renamed run must be newer than the first: log times have one-second resolution
    return RmLogs(
        first=first,
        second=second,
        renamed=_rm_log(renamed_rm, logs),
        first_rm=first_rm,
        second_rm=second_rm,
    )


def test_the_comparability_key_holds_the_rm_identity_not_its_folder(rm_logs: RmLogs) -> None:
    first, second, renamed = (run_config(read_log(p)) for p in (rm_logs.first, rm_logs.second, rm_logs.renamed))
    assert first.judge_models[KEY] == f"sha256:{reward_model_identity(rm_logs.first_rm).sha256}"
    assert second.judge_models[KEY] == f"sha256:{reward_model_identity(rm_logs.second_rm).sha256}"
    assert first.comparability_key() != second.comparability_key()  # both folders are called "model"
    assert first.comparability_key() == renamed.comparability_key()  # same content, another folder name


def test_two_rms_in_folders_of_one_name_are_never_ranked_together_or_superseded(rm_logs: RmLogs) -> None:
    paths = [rm_logs.first, rm_logs.second, rm_logs.renamed]
    assert all(check_leaderboard_log(read_log(p)) == [] for p in paths)
    board = build_leaderboard(BuildInputs(logs=paths, use_registry=False))
    assert len(board.groups) == 2
    groups = {row["log"]: row["group"] for row in board.table.to_dicts()}
    assert groups == {rm_logs.renamed.name: "main", rm_logs.second.name: "g2"}
    [superseded] = board.superseded  # the first run: same policy, same RM content, older
    assert superseded["log"] == rm_logs.first.name and superseded["by"] == rm_logs.renamed.name
    assert board.groups[1].reason.startswith("not comparable with the main table: judge models:")


def test_an_identity_missing_from_the_header_is_read_from_the_scores(rm_logs: RmLogs, tmp_path: Path) -> None:
    record = read_log(rm_logs.first)
    expected = f"sha256:{reward_model_identity(rm_logs.first_rm).sha256}"
    bare = [spec.model_copy(update={"metadata": None}) for spec in record.log.eval.scorers]
    stripped = read_log(rewrite(rm_logs.first, tmp_path / "no-header.eval", scorers=bare))
    assert judge_models(stripped.log, stripped.scores)[KEY] == expected

    # An older log that records no identity anywhere matches no other run (its eval id stands in).
    log = read_eval_log(str(tmp_path / "no-header.eval"))
    for sample in log.samples:
        sample.scores[RM].metadata = {}
    write_eval_log(log, str(tmp_path / "anonymous.eval"))
    anonymous = read_log(tmp_path / "anonymous.eval")
    assert judge_models(anonymous.log, anonymous.scores)[KEY] == f"unidentified:{log.eval.eval_id}"


def test_judge_cards_tell_the_two_rms_apart(rm_logs: RmLogs) -> None:
    logs = [read_eval_log(str(p)) for p in (rm_logs.first, rm_logs.second, rm_logs.renamed)]
    specs = [spec for spec in card_specs(logs) if spec.judge == RM]
    identity = {p: reward_model_identity(p).sha256[:16] for p in (rm_logs.first_rm, rm_logs.second_rm)}
    assert sorted(spec.key for spec in specs) == sorted(f"{RM}-rm-{sha}" for sha in identity.values())
    by_key = {spec.key: spec for spec in specs}
    same = by_key[f"{RM}-rm-{identity[rm_logs.first_rm]}"]
    assert len(same.superseded) == 1  # the renamed copy and the first run are one judge
    assert by_key[f"{RM}-rm-{identity[rm_logs.second_rm]}"].superseded == ()
