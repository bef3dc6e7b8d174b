"""Shared fixtures."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """The paper's released data: $GREETBENCH_DATA_DIR, else ../shared/data/greetings beside the repo."""
    root = Path(os.environ.get("GREETBENCH_DATA_DIR") or REPO.parent / "shared" / "data" / "greetings")
    if not (root / "evaluation_set" / "evaluate_data.json").is_file():
        pytest.skip(f"the paper's data is not at {root} (set GREETBENCH_DATA_DIR)")
    return root


@pytest.fixture(scope="session")
def tiny_reward_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random tiny one-label Qwen2 reward model (seed 0) with the tiny tokenizer, built once per session.

    It has no threshold file. Treat it as read-only: copy it (``shutil.copytree``) before writing into it.
    """
    from harness.models.tiny import build_tiny_qwen2

    return build_tiny_qwen2(tmp_path_factory.mktemp("tiny") / "reward-model", "seq-cls")


@pytest.fixture(scope="session")
def tiny_policy_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random tiny Qwen2 causal LM (seed 0) with the tiny tokenizer, built once per session. Read-only."""
    from harness.models.tiny import build_tiny_qwen2

    return build_tiny_qwen2(tmp_path_factory.mktemp("tiny") / "policy", "causal-lm")


@pytest.fixture(scope="session")
def tiny_bad_judge_dir(tiny_policy_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny causal LM taught (40 Adam steps, ~2 s) to answer the principle judge's prompts with ``bad``.

    A random tiny model answers gibberish, which a strict parser rightly leaves unscored; a judge test needs a model
    that gives a verdict, so this one learns a single answer. Read-only.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from harness.judges.principle import principle_messages
    from harness.principles import DEFAULT_PRINCIPLES, load_principles

    tokenizer = AutoTokenizer.from_pretrained(tiny_policy_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_policy_dir, dtype=torch.float32)
    rules = load_principles(DEFAULT_PRINCIPLES)
    examples = []
    for query, response in JUDGED_PAIRS:
        for reason in (True, False):
            messages = [
                {"role": m.role, "content": m.text} for m in principle_messages(query, response, rules, reason=reason)
            ]
            prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            prompt_ids = tokenizer(prompt)["input_ids"]
            answer_ids = tokenizer("bad" + tokenizer.eos_token)["input_ids"]
            examples.append((prompt_ids, answer_ids))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        for _ in range(40):
            for prompt_ids, answer_ids in examples:
                ids = torch.tensor([prompt_ids + answer_ids])
                labels = torch.tensor([[-100] * len(prompt_ids) + answer_ids])
                loss = model(input_ids=ids, labels=labels).loss
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()
    dest = tmp_path_factory.mktemp("tiny") / "bad-judge"
    model.save_pretrained(dest)
    tokenizer.save_pretrained(dest)
    return dest


JUDGED_PAIRS = (("妈妈生日", "祝妈妈生日快乐，身体健康！"), ("同事升职", "恭喜"), ("朋友结婚", "新婚快乐，白头偕老。"))
"""(request, greeting) pairs the tiny judge of :func:`tiny_bad_judge_dir` is taught on and tested with."""


@pytest.fixture
def offline_metric_gates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let pytest-inspect-evals' metric gates (``run_metrics``, ``assert_agreeing_epochs_change_nothing``) run offline.

    Their evals name a bare ``mockllm/model``, whose outputs carry no usage, so Inspect would count tokens with
    tiktoken, which downloads its encoding. This gives those evals a mockllm model whose every output has usage set.
    """
    import pytest_inspect_evals.metrics as gates
    from inspect_ai.model import get_model
    from mocks import mock_output

    plugin_eval = gates.inspect_eval

    def offline_eval(*args: Any, model: Any = None, **kwargs: Any) -> Any:
        if isinstance(model, str) and model.startswith("mockllm/"):
            model = get_model(model, custom_outputs=lambda *_: mock_output("-"), memoize=False)
        return plugin_eval(*args, model=model, **kwargs)

    monkeypatch.setattr(gates, "inspect_eval", offline_eval)
