"""The loop on the embedded 0.5B as policy and principle judge (P(good) mode): slow, run with ``pytest -m slow``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedback.preferences import JudgeSettings, PreferenceRunConfig, SamplingSettings, make_preference_pairs
from trainers.data import read_preference_pairs


@pytest.mark.slow
def test_the_embedded_model_samples_and_judges(tmp_path: Path) -> None:
    config = PreferenceRunConfig(
        run_dir=tmp_path / "run",
        policy="embedded",
        judge=JudgeSettings(name="principle", model="embedded", reason=False),
        queries="bundled",
        limit=2,
        sampling=SamplingSettings(k=2, max_tokens=48),
    )
    result = make_preference_pairs(config)
    report = result.report
    assert report["requests_sampled"] == 2 and report["candidates"] == 4
    judgements = report["cost"]["judgements"]
    assert 1 <= judgements <= 4 and report["cost"]["judge_calls"] == judgements  # one forward per greeting
    records = [json.loads(line) for path in (tmp_path / "run" / "judgements").glob("*.jsonl") for line in path.open()]
    assert all(r["p_good"] is not None for r in records if not r["malformed"])  # P(good) read from logprobs
    pairs, _ = read_preference_pairs(result.pair_file)
    assert len(pairs) == report["pairs"]
