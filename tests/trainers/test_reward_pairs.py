"""`greetbench train rm --pairs FILE` trains on that pair file (e.g. one `greetbench make-preferences` wrote) instead
of the paper's RM-train pairs; the rest of the run (test pairs, eval set) is unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from mini_data import pair_record

from greetbench.cli import cli
from trainers.config import DATA_REPORT_FILENAME, ConfigError, load_config
from trainers.reward import RewardConfig, train_reward_model


class Stop(Exception):
    """Raised by a stand-in once it has seen what it needs."""


def write_pairs(path: Path, pairs: list[tuple[str, str, str]]) -> Path:
    records = [
        pair_record(*pair) | {"provenance": {"judge": "principle", "trace_id": str(i)}} for i, pair in enumerate(pairs)
    ]
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


PAIRS = [
    ("请求甲", "甲：愿你平安喜乐，万事顺意！", "甲好。"),
    ("请求乙", "乙好。", "乙：愿你前程似锦，心想事成！"),
]


def test_the_option_reaches_the_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[RewardConfig] = []

    def train(config: RewardConfig) -> None:
        seen.append(config)
        raise Stop

    monkeypatch.setattr("trainers.reward.train_reward_model", train)
    pairs = write_pairs(tmp_path / "pairs.json", PAIRS)
    result = CliRunner().invoke(cli, ["train", "rm", "--config", "rm-tiny-cpu", "--pairs", str(pairs)])
    assert isinstance(result.exception, Stop) and seen[0].pairs_file == str(pairs)
    assert load_config(RewardConfig, "rm-tiny-cpu").pairs_file is None  # the paper's pairs unless asked


def config(tmp_path: Path, mini_data_dir: Path, pairs: Path) -> RewardConfig:
    return RewardConfig(
        model="tiny",
        output_dir=str(tmp_path / "run"),
        data_dir=str(mini_data_dir),
        pairs_file=str(pairs),
        dtype="float32",
        bf16=False,
        use_cpu=True,
        max_length=256,
    )


def test_training_reads_the_pair_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mini_data_dir: Path) -> None:
    rows: list[list[dict]] = []

    def trainer(config: RewardConfig, model_path: str, tokenizer: object, given: list[dict]) -> None:
        rows.append(given)
        raise Stop

    monkeypatch.setattr("trainers.reward._trainer", trainer)
    pairs = write_pairs(tmp_path / "pairs.json", PAIRS)
    with pytest.raises(Stop):
        train_reward_model(config(tmp_path, mini_data_dir, pairs), log=lambda _: None)
    assert [(r["prompt"][0]["content"], r["chosen"][0]["content"]) for r in rows[0]] == [(q, c) for q, c, _ in PAIRS]
    report = json.loads((tmp_path / "run" / DATA_REPORT_FILENAME).read_text(encoding="utf-8"))
    assert report["rm_train"]["source"] == str(pairs) and report["rm_train"]["kept"] == 2


def test_an_empty_pair_file_stops_before_training(tmp_path: Path, mini_data_dir: Path) -> None:
    pairs = write_pairs(tmp_path / "pairs.json", [])
    with pytest.raises(ConfigError, match=f"no preference pairs left to train on in {pairs}"):
        train_reward_model(config(tmp_path, mini_data_dir, pairs), log=lambda _: None)
