"""LLM judges on local checkpoints: through Inspect's plain ``hf`` provider and through the embedded provider's
batched path, with P(good) from their logprobs. The model is a tiny one taught to answer ``bad``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import torch
from conftest import JUDGED_PAIRS
from inspect_ai.model import Model, get_model

from harness.judges.principle import judge_with_principles
from harness.models.provider import EMBEDDED_MODEL
from harness.principles import DEFAULT_PRINCIPLES, load_principles

RULES = load_principles(DEFAULT_PRINCIPLES)


def _judge_all(model: Model, reason: bool) -> list:
    async def run() -> list:
        return await asyncio.gather(
            *(judge_with_principles(model, q, r, RULES, reason=reason) for q, r in JUDGED_PAIRS)
        )

    return asyncio.run(run())


@pytest.fixture(scope="module")
def plain_hf_judge(tiny_bad_judge_dir: Path) -> Model:
    return get_model("hf/local", model_path=str(tiny_bad_judge_dir), device="cpu")


@pytest.fixture(scope="module")
def batched_judge(tiny_bad_judge_dir: Path) -> Model:
    # The embedded provider's class on a local folder: no conversion when model_path is given.
    return get_model(EMBEDDED_MODEL, model_path=str(tiny_bad_judge_dir), device="cpu", dtype=torch.float32)


@pytest.mark.parametrize("reason", [False, True])
def test_plain_hf_judge_gives_verdicts_at_temperature_zero(plain_hf_judge: Model, reason: bool) -> None:
    # Inspect's hf provider used to receive temperature=0 and transformers raised ValueError.
    judgements = _judge_all(plain_hf_judge, reason)
    assert [j.verdict for j in judgements] == ["bad"] * len(JUDGED_PAIRS)
    for judgement in judgements:
        assert judgement.p_good is not None and 0.0 <= judgement.p_good < 0.5
        assert judgement.p_good_missing_reason is None


def test_batched_judge_agrees_with_plain_hf_and_reports_its_own_usage(
    plain_hf_judge: Model, batched_judge: Model
) -> None:
    plain = _judge_all(plain_hf_judge, reason=False)
    batched = _judge_all(batched_judge, reason=False)
    assert [j.verdict for j in batched] == [j.verdict for j in plain]
    for a, b in zip(plain, batched, strict=True):
        assert b.p_good == pytest.approx(a.p_good, abs=1e-4)
        step = b.trace[0]
        # This call's own tokens and stop reason (the tiny tokenizer may spend both tokens on "bad").
        assert step["stop_reason"] in ("stop", "max_tokens")
        assert 1 <= step["output_tokens"] <= 2


def test_verdict_only_mode_asks_for_two_tokens_at_most(batched_judge: Model) -> None:
    judgement = _judge_all(batched_judge, reason=False)[0]
    assert judgement.trace[0]["reason_asked"] is False
    assert judgement.trace[0]["output"].strip() == "bad"
