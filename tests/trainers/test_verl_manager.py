"""verl's own reward managers (verl 0.9.1, the ``verl`` extra) call greetbench's entry points on the paper's rows.

Skipped when verl is not installed. Rows come in the paper's layout (``ground_truth: ''``, ``extra_info: {index,
split}``) and in ``greetbench data verl-parquet``'s (the request in both). The reward is the request's length, so
a response judged against an empty request would score 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("verl", reason="verl is not installed (pip install -e '.[verl]')")

import torch  # noqa: E402
from verl import DataProto  # noqa: E402

from harness.data import DataFiles, load_grpo_requests  # noqa: E402
from trainers.verl_reward import (  # noqa: E402
    REWARDS_ENV,
    MissingRequestError,
    compute_score,
    compute_score_async,
    compute_score_batch,
    paper_requests,
)


@pytest.fixture
def verl_env(tmp_path: Path, mini_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    config = tmp_path / "verl.yaml"
    config.write_text(
        "rewards:\n  - {kind: python, function: 'grpo_helpers:query_length', name: request_chars}\n"
        "  - {kind: format, weight: 0.0}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv(REWARDS_ENV, str(config))
    monkeypatch.setenv("GREETBENCH_DATA_DIR", str(mini_data_dir))
    paper_requests.cache_clear()
    return [r.query for r in load_grpo_requests(DataFiles(mini_data_dir).grpo_train)]


def _batch(tokenizer, rows: list[tuple[str, dict]], responses: list[str]) -> DataProto:
    """verl's rollout output: left-padded prompts, right-padded responses, one attention mask over both."""
    prompts = [tokenizer(f"请只生成一条祝福语：{i}", add_special_tokens=False)["input_ids"] for i in range(len(rows))]
    answers = [tokenizer(text, add_special_tokens=False)["input_ids"] for text in responses]
    width_p, width_r = max(map(len, prompts)), max(map(len, answers))
    pad = tokenizer.pad_token_id
    prompt_ids = torch.tensor([[pad] * (width_p - len(p)) + p for p in prompts])
    response_ids = torch.tensor([a + [pad] * (width_r - len(a)) for a in answers])
    mask = torch.tensor(
        [
            [0] * (width_p - len(p)) + [1] * len(p) + [1] * len(a) + [0] * (width_r - len(a))
            for p, a in zip(prompts, answers, strict=True)
        ]
    )
    return DataProto.from_dict(
        tensors={"prompts": prompt_ids, "responses": response_ids, "attention_mask": mask},
        non_tensors={
            "data_source": np.array(["custom_json"] * len(rows), dtype=object),
            "reward_model": np.array([{"ground_truth": truth, "style": "rule"} for truth, _ in rows], dtype=object),
            "extra_info": np.array([dict(info) for _, info in rows], dtype=object),
        },
    )


def _rows(queries: list[str]) -> list[tuple[str, dict]]:
    return [
        ("", {"index": 0, "split": "train"}),  # the paper's own row
        (queries[1], {"index": 1, "split": "train", "query": queries[1]}),  # greetbench data verl-parquet's
    ]


def test_verl_naive_and_batch_managers_score_against_the_paper_request(verl_env: list[str], tiny_policy_dir: Path):
    from transformers import AutoTokenizer
    from verl.workers.reward_manager import BatchRewardManager, NaiveRewardManager

    tokenizer = AutoTokenizer.from_pretrained(tiny_policy_dir)
    data = _batch(tokenizer, _rows(verl_env), ["祝你快乐", "万事如意"])
    expected = [float(len(verl_env[0])), float(len(verl_env[1]))]
    for manager in (
        NaiveRewardManager(tokenizer, num_examine=0, compute_score=compute_score),
        BatchRewardManager(tokenizer, num_examine=0, compute_score=compute_score_batch),
    ):
        result = manager(data, return_dict=True)
        assert result["reward_tensor"].sum(dim=1).tolist() == expected
        assert list(result["reward_extra_info"]["request_chars"]) == expected
        assert list(result["reward_extra_info"]["unscored"]) == [0, 0]


def test_verl_reward_loop_passes_its_router_keywords(verl_env: list[str], tiny_policy_dir: Path) -> None:
    from transformers import AutoTokenizer
    from verl.experimental.reward_loop.reward_manager.naive import NaiveRewardManager

    tokenizer = AutoTokenizer.from_pretrained(tiny_policy_dir)
    data = _batch(tokenizer, _rows(verl_env)[:1], ["祝你快乐"])
    for score in (compute_score_async, compute_score):  # awaited, and run in verl's executor
        manager = NaiveRewardManager(
            None, tokenizer, score, reward_router_address="127.0.0.1:9", reward_model_tokenizer=tokenizer
        )
        result = manager.loop.run_until_complete(manager.run_single(data))
        assert result["reward_score"] == float(len(verl_env[0]))


def test_a_row_without_a_request_fails_loudly(verl_env: list[str], tiny_policy_dir: Path) -> None:
    from transformers import AutoTokenizer
    from verl.workers.reward_manager import NaiveRewardManager

    tokenizer = AutoTokenizer.from_pretrained(tiny_policy_dir)
    manager = NaiveRewardManager(tokenizer, num_examine=0, compute_score=compute_score)
    with pytest.raises(MissingRequestError, match="no request to score against"):
        manager(_batch(tokenizer, [("", {"num": 3})], ["祝你快乐"]))
    with pytest.raises(MissingRequestError, match="index 999 is not a row of the paper's train split"):
        manager(_batch(tokenizer, [("", {"index": 999, "split": "train"})], ["祝你快乐"]))
