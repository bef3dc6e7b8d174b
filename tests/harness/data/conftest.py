"""Fixtures for the data-layer tests: a tiny hand-made data folder in the upstream layout."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from harness.data import DATA_DIR_ENV, POLICY_PROMPT_PREFIX, DataFiles
from harness.paths import CACHE_ENV

# Eval rows of the tiny folder, one per contamination case (see TINY_EXPECTED_SOURCES).
TINY_EVAL = [
    {"query": "妈妈生日祝福", "response": "妈妈生日快乐，愿您健康长寿，岁岁平安，每天都笑口常开！", "label": 1},
    {"query": "考试顺利", "response": "加油", "label": 0},
    {"query": "新婚快乐", "response": "愿你们相知相守，白头偕老，把平凡的日子过成诗，永结同心！", "label": 1},
    {"query": " 乔迁之喜 ", "response": "恭喜乔迁", "label": 0},
    {"query": "升职祝福", "response": "恭喜高升，前程似锦，愿你在新的岗位上大展宏图，步步高升！", "label": 1},
    {"query": "同事生日", "response": "生日快乐", "label": 0},
]

# Where each tiny eval query occurs (queries compared after strip()).
TINY_EXPECTED_SOURCES = {
    "妈妈生日祝福": {"sft", "rm_train"},
    "考试顺利": {"rm_test"},
    "新婚快乐": {"grpo_train"},
    "乔迁之喜": {"grpo_test"},
    "升职祝福": set(),
    "同事生日": {"rm_train"},
}


def _pair(prompt: str, chosen: str, rejected: str) -> dict:
    return {
        "conversations": [{"from": "human", "value": prompt}],
        "chosen": {"from": "gpt", "value": chosen},
        "rejected": {"from": "gpt", "value": rejected},
    }


def _grpo_frame(queries: list[str], split: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "prompt": [[{"content": POLICY_PROMPT_PREFIX + q, "role": "user"}] for q in queries],
            "data_source": ["custom_json"] * len(queries),
            "extra_info": [{"index": i, "split": split} for i in range(len(queries))],
        }
    )


def write_tiny_data_dir(root: Path) -> DataFiles:
    """Write a small, valid data folder in the upstream layout under ``root`` and return its DataFiles."""
    files = DataFiles(root)
    for path in (files.eval_set, files.rm_train, files.sft, files.grpo_train):
        path.parent.mkdir(parents=True, exist_ok=True)
    files.eval_set.write_text(
        "\n".join(json.dumps(row, ensure_ascii=False) for row in TINY_EVAL) + "\n", encoding="utf-8"
    )
    rm_train = [
        _pair("妈妈生日祝福", TINY_EVAL[0]["response"], "妈妈生日快乐"),
        _pair("同事生日", "祝你生日快乐，新的一岁工作顺利，生活甜蜜，所有的努力都有回报！", "生日快乐"),
        _pair("端午安康", "端午安康", "端午安康"),  # identical sides: loaded, not refused
    ]
    files.rm_train.write_text(json.dumps(rm_train, ensure_ascii=False, indent=2), encoding="utf-8")
    rm_test = [_pair("考试顺利", "愿你沉着应考，心想事成，金榜题名！", "考试顺利")]
    files.rm_test.write_text(json.dumps(rm_test, ensure_ascii=False, indent=2), encoding="utf-8")
    sft = [
        {"instruction": "妈妈生日祝福", "input": "", "output": TINY_EVAL[0]["response"]},
        {"instruction": "中秋祝福", "input": "", "output": "月圆人团圆，愿你中秋快乐，阖家幸福！"},
    ]
    files.sft.write_text(json.dumps(sft, ensure_ascii=False, indent=2), encoding="utf-8")
    _grpo_frame(["新婚快乐", "元宵节祝福"], "train").write_parquet(files.grpo_train)
    _grpo_frame(["乔迁之喜"], "test").write_parquet(files.grpo_test)
    files.random_queries.write_text("生日祝福\n\n  新年祝福  \n生日祝福", encoding="utf-8")
    return files


@pytest.fixture
def tiny_files(tmp_path: Path) -> DataFiles:
    """A tiny valid data folder (see TINY_EVAL and TINY_EXPECTED_SOURCES)."""
    return write_tiny_data_dir(tmp_path / "greetings")


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No $GREETBENCH_DATA_DIR, and a fresh empty cache root; returns the cache root."""
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(cache))
    return cache


@pytest.fixture
def make_tiny_data_dir():
    """A function writing a fresh tiny data folder under a given root (for tests needing several copies)."""
    return write_tiny_data_dir


@pytest.fixture
def tiny_expected_sources() -> dict[str, set[str]]:
    """Where each tiny eval query occurs."""
    return TINY_EXPECTED_SOURCES
