"""One eval makes the embedded judge once: Inspect's model-info lookup does not load its weights again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.model import GenerateConfig, ModelAPI, ModelOutput, get_model_info
from mocks import mock_output

from harness.models.provider import EMBEDDED_MODEL, EMBEDDED_MODELS


class CountingAPI(ModelAPI):
    """Stands in for the embedded provider's class (no weights): counts how often it is made."""

    made: list[str] = []

    def __init__(self, model_name: str, base_url: str | None = None, api_key: str | None = None, **_: Any) -> None:
        super().__init__(model_name, base_url, api_key, [], GenerateConfig())
        CountingAPI.made.append(model_name)

    async def generate(self, *_: Any, **__: Any) -> ModelOutput:
        return mock_output(json.dumps({"verdict": "good", "reason": "温暖"}, ensure_ascii=False))


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setattr("harness.models.hf_api.EmbeddedHuggingFaceAPI", CountingAPI)
    CountingAPI.made = []
    return CountingAPI.made


def test_model_info_of_embedded_models_needs_no_model(counting: list[str]) -> None:
    for name in EMBEDDED_MODELS:
        info = get_model_info(name)
        assert info is not None and info.context_length
    assert counting == []


def test_a_judge_agreement_run_makes_the_embedded_judge_once(
    counting: list[str], shared_data_dir: Path, tmp_path: Path
) -> None:
    from tasks.judge_agreement import judge_agreement

    task = judge_agreement(judges="principle", data_dir=str(shared_data_dir))
    [log] = inspect_eval(task, model_roles={"judge": EMBEDDED_MODEL}, limit=3, display="none", log_dir=str(tmp_path))
    assert log.status == "success", log.error
    assert counting == [EMBEDDED_MODEL.split("/", 1)[1]]


def test_instances_over_the_same_weights_share_one_load(tiny_policy_dir: Path, tmp_path: Path) -> None:
    import asyncio
    import gc
    import shutil

    from inspect_ai.model import ChatMessageUser

    from harness.models import hf_api

    # a folder of this test's own: another test's instance still alive over the shared tiny model (Inspect keeps
    # models it made) would hold that load, and this test counts its own loads only
    tiny_policy_dir = Path(shutil.copytree(tiny_policy_dir, tmp_path / "policy"))
    before = set(hf_api._LOADED)
    name = EMBEDDED_MODEL.split("/", 1)[1]
    policy = hf_api.EmbeddedHuggingFaceAPI(name, model_path=str(tiny_policy_dir), device="cpu")
    judge = hf_api.EmbeddedHuggingFaceAPI(name, model_path=str(tiny_policy_dir), device="cpu", api_key="other")
    assert judge.model is policy.model and judge.tokenizer is policy.tokenizer and judge.batcher is policy.batcher
    assert judge.api_key == "other" and policy.api_key is None  # per-instance fields stay the instance's own
    other = hf_api.EmbeddedHuggingFaceAPI(name, model_path=str(tiny_policy_dir), device="cpu", do_sample=False)
    assert other.model is not policy.model  # other arguments: a load of its own
    config = GenerateConfig(max_tokens=3, temperature=0.0)
    output = asyncio.run(judge.generate([ChatMessageUser(content="你好")], [], "none", config))
    assert output.usage is not None and output.usage.output_tokens <= 3
    del policy, judge, other
    gc.collect()
    assert set(hf_api._LOADED) == before  # the last instance gone, its load goes too
