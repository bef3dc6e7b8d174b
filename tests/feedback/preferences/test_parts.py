"""The small parts: query sources, per-candidate seeds, the judges behind one interface, the run folder's files."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from feedback.preferences import (
    JudgeSettings,
    RunFolder,
    RunFolderError,
    SamplingSettings,
    candidate_seed,
    judge_calls,
    load_queries,
    prepare_judge,
    query_id,
    repair_torn_tail,
)
from harness.data import DataError
from tests.feedback.preferences.scripted import ScriptedJudge


def test_queries_from_a_text_file_are_distinct_then_cut(tmp_path: Path) -> None:
    path = tmp_path / "q.txt"
    path.write_text("甲\n\n乙\n甲\n丙\n丁\n", encoding="utf-8")
    queries, provenance = load_queries(str(path), limit=2, offset=1)
    assert [q.text for q in queries] == ["乙", "丙"] and queries[0].id == query_id(" 乙 ")
    assert provenance | {"source": None} == {
        "source": None,
        "source_queries": 5,
        "distinct": 4,
        "offset": 1,
        "limit": 2,
        "used": 2,
    }


def test_queries_from_json_lines_name_a_bad_record(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"query": "甲"}\n{"query": ""}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"q.jsonl line 2: field 'query' must be a non-blank string"):
        load_queries(str(path))


def test_named_sources(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bundled, _ = load_queries("bundled", limit=3)
    assert len(bundled) == 3
    monkeypatch.delenv("GREETBENCH_DATA_DIR", raising=False)
    monkeypatch.setenv("GREETBENCH_CACHE_DIR", str(tmp_path))  # no fetched copy either
    with pytest.raises(ValueError, match="'random' queries need the paper's data"):
        load_queries("random")


def test_each_candidate_has_its_own_stable_seed() -> None:
    settings = SamplingSettings(k=4, seed=7)
    seeds = [settings.config("请求", i).seed for i in range(4)]
    assert len(set(seeds)) == 4 and seeds[0] == candidate_seed(7, "请求 ", 0)
    assert SamplingSettings(seed=None).config("请求", 0).seed is None
    with pytest.raises(ValueError, match="k must be at least 2"):
        SamplingSettings(k=1)


def test_the_debate_judge_runs_four_agents_within_their_caps() -> None:
    script = ScriptedJudge()
    settings = JudgeSettings(name="debate", retrieval=False, debate_argument_tokens=64, debate_verdict_tokens=32)
    judge = prepare_judge(settings, model=script.model())
    judgement = asyncio.run(judge.judge("妈妈生日", "妈妈生日快乐，愿您岁岁平安，笑口常开！"))
    assert judgement.verdict == "good" and judge_calls(judgement) == 4 == script.calls
    assert sorted(script.max_tokens) == [32, 32, 64, 64]
    assert judge.identity["argument_max_tokens"] == 64 and judge.identity["retrieval"] is False
    assert judge.key.startswith("debate-")


def test_a_judge_key_follows_its_identity() -> None:
    model = ScriptedJudge().model()
    verdict_only = prepare_judge(JudgeSettings(name="principle"), model=model)
    with_reason = prepare_judge(JudgeSettings(name="principle", reason=True), model=model)
    assert verdict_only.key != with_reason.key and verdict_only.identity["principles_sha256"]
    length = prepare_judge(JudgeSettings(name="length", length_threshold=12))
    judgement = asyncio.run(length.judge("请求", "一" * 12))
    assert judgement.verdict == "good" and judge_calls(judgement) == 0


def test_the_reward_model_judges_at_its_stored_cut(tiny_reward_model_dir: Path, tmp_path: Path) -> None:
    from harness.judges.reward_model import StoredThreshold, save_threshold

    checkpoint = Path(shutil.copytree(tiny_reward_model_dir, tmp_path / "rm"))
    with pytest.raises(ValueError, match="threshold"):
        prepare_judge(JudgeSettings(name="rm", rm_checkpoint=str(checkpoint)))
    save_threshold(checkpoint, StoredThreshold(threshold=-1e9))
    judge = prepare_judge(JudgeSettings(name="rm", rm_checkpoint=str(checkpoint)))
    judgement = asyncio.run(judge.judge("请求", "祝你生日快乐"))
    assert judgement.verdict == "good" and judge_calls(judgement) == 1
    assert judge.identity["threshold"] == -1e9 and judge.key.startswith("rm-")
    assert str(tmp_path) not in json.dumps(judge.identity)  # no machine path in what the key hashes


def test_judges_that_cannot_run_say_why() -> None:
    with pytest.raises(ValueError, match="needs a reward-model checkpoint"):
        prepare_judge(JudgeSettings(name="rm"))
    with pytest.raises(ValueError, match="unknown judge"):
        JudgeSettings(name="oracle")


def test_a_torn_tail_is_cut_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2}\n{"c": ')
    assert repair_torn_tail(path) == len(b'{"c": ')
    assert path.read_bytes() == b'{"a": 1}\n{"b": 2}\n'
    assert repair_torn_tail(path) == 0
    path.write_bytes(b'{"a": 1}\n{"b": \n')  # ended in a newline but cut inside
    assert repair_torn_tail(path) == len(b'{"b": \n') and path.read_bytes() == b'{"a": 1}\n'


def test_a_run_folder_keeps_its_settings(tmp_path: Path) -> None:
    RunFolder.open(tmp_path / "run", {"policy": "p", "k": 4})
    assert json.loads((tmp_path / "run" / "run.json").read_text()) == {"policy": "p", "k": 4}
    RunFolder.open(tmp_path / "run", {"policy": "p", "k": 4})
    with pytest.raises(RunFolderError, match="policy: folder 'p', asked 'q'"):
        RunFolder.open(tmp_path / "run", {"policy": "q", "k": 4})
