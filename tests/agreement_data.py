"""Synthetic labelled greetings and a scripted judge of known accuracy, for judge_agreement and report tests.

Labels follow a smooth logistic curve in log length (so the length rule is informative but imperfect, and a step
at a threshold adds little beyond a smooth length model). The scripted judge's right/wrong decision and its
unreadable answers are set by hashes of the response, so they do not depend on the order Inspect runs samples.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Callable
from pathlib import Path

import polars as pl
from inspect_ai.model import ChatMessage, ModelOutput
from mocks import mock_output

from harness.data import POLICY_PROMPT_PREFIX, DataFiles

FILL = "祝你幸福快乐平安健康万事如意心想事成前程似锦岁岁年年笑口常开"
OCCASIONS = ("生日", "新年", "中秋", "婚礼", "升学", "乔迁", "退休", "开业")


def synthetic_text(index: int, length: int) -> str:
    """A unique greeting of exactly ``length`` characters (at least its ``<index>号`` prefix plus one)."""
    prefix = f"{index}号"
    length = max(length, len(prefix) + 1)
    body = (FILL * (length // len(FILL) + 1))[: length - len(prefix)]
    return prefix + body


def synthetic_rows(n: int = 240, seed: int = 7) -> list[dict]:
    """``n`` labelled rows: P(good) = logistic(3 (log(1 + chars) - log 36)), chars log-uniform on 8..110."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        length = round(math.exp(rng.uniform(math.log(8), math.log(110))))
        good = rng.random() < 1 / (1 + math.exp(-3 * (math.log1p(length) - math.log(36))))
        rows.append(
            {
                "query": f"第{i}位朋友的{OCCASIONS[i % len(OCCASIONS)]}祝福",
                "response": synthetic_text(i, length),
                "label": int(good),
            }
        )
    return rows


def _pair(prompt: str, chosen: str, rejected: str) -> dict:
    return {
        "conversations": [{"from": "human", "value": prompt}],
        "chosen": {"from": "gpt", "value": chosen},
        "rejected": {"from": "gpt", "value": rejected},
    }


def _grpo(queries: list[str], split: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "prompt": [[{"content": POLICY_PROMPT_PREFIX + q, "role": "user"}] for q in queries],
            "data_source": ["custom_json"] * len(queries),
            "extra_info": [{"index": i, "split": split} for i in range(len(queries))],
        }
    )


def contaminated_index(i: int) -> bool:
    """Whether synthetic row ``i``'s query is put in training data (RM train for i % 3 == 0, GRPO train i % 7 == 0)."""
    return i % 3 == 0 or i % 7 == 0


def write_synthetic_data_dir(root: Path, n: int = 240, seed: int = 7) -> list[dict]:
    """Write a data folder in the upstream layout holding :func:`synthetic_rows`; returns the rows."""
    rows = synthetic_rows(n, seed)
    files = DataFiles(root)
    for path in (files.eval_set, files.rm_train, files.sft, files.grpo_train):
        path.parent.mkdir(parents=True, exist_ok=True)
    files.eval_set.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    rm_train = [_pair(r["query"], r["response"] + "！", "好") for i, r in enumerate(rows) if i % 3 == 0]
    files.rm_train.write_text(json.dumps(rm_train, ensure_ascii=False), encoding="utf-8")
    files.rm_test.write_text(json.dumps([_pair("端午祝福", "端午安康，阖家幸福！", "端午")]), encoding="utf-8")
    sft = [{"instruction": "元宵祝福", "input": "", "output": "元宵快乐，团团圆圆！"}]
    files.sft.write_text(json.dumps(sft, ensure_ascii=False), encoding="utf-8")
    _grpo([r["query"] for i, r in enumerate(rows) if i % 7 == 0], "train").write_parquet(files.grpo_train)
    _grpo(["重阳节祝福"], "test").write_parquet(files.grpo_test)
    files.random_queries.write_text("生日祝福\n", encoding="utf-8")
    return rows


def _bucket(salt: str, text: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{salt}\0{text}".encode()).digest()[:8], "big") % 1000


def scripted_outcome(response: str, accuracy: float = 0.8, unscored: float = 0.0) -> str:
    """``"right"``, ``"wrong"`` or ``"unscored"`` for a response, from two independent hashes of it."""
    if _bucket("unscored", response) < unscored * 1000:
        return "unscored"
    return "right" if _bucket("right", response) < accuracy * 1000 else "wrong"


def scripted_judge(
    labels: dict[str, int], accuracy: float = 0.8, unscored: float = 0.0
) -> Callable[[list[ChatMessage], object], ModelOutput]:
    """A mockllm principle judge: right on a hashed ``accuracy`` share of responses, unreadable on ``unscored``."""

    def judge(messages: list[ChatMessage], *_: object) -> ModelOutput:
        text = messages[-1].text.split("<greeting>")[1].split("</greeting>")[0].strip()
        outcome = scripted_outcome(text, accuracy, unscored)
        if outcome == "unscored":
            return mock_output("I cannot decide.")
        verdict = labels[text] if outcome == "right" else 1 - labels[text]
        return mock_output(json.dumps({"verdict": "good" if verdict else "bad", "reason": "scripted"}))

    return judge
