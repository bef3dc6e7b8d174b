"""``watch_stop``: a watch trigger ends the tiny GRPO run at its point, with the checkpoint saved and the reason
recorded; without it the same trigger is logged and the run goes on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trainers.grpo import SUMMARY_FILENAME, load_grpo_config, train_grpo
from trainers.watch import WATCH_FILENAME


@pytest.mark.parametrize("stop", [True, False])
def test_a_trigger_stops_the_run_only_when_asked(mini_data_dir: Path, tmp_path: Path, stop: bool) -> None:
    # the tiny random policy never writes an end-of-turn token: every watch greeting is clipped at 16 tokens
    run = load_grpo_config(
        "grpo-tiny-cpu",
        output_dir=str(tmp_path / "run"),
        data_dir=str(mini_data_dir),
        max_steps=4,
        watch_steps=2,
        watch_prompts=2,
        watch_triggers={"length_drift": None, "repetition": None, "meta_text": None},
        watch_stop=stop,
        save_steps=1000,  # a checkpoint at step 2 is the stop's
        eval_limit=0,
    )
    printed: list[str] = []
    train_grpo(run, log=printed.append)
    summary = json.loads((run.output_path / SUMMARY_FILENAME).read_text(encoding="utf-8"))
    points = [json.loads(line) for line in (run.output_path / WATCH_FILENAME).read_text().splitlines()]
    assert points[0]["step"] == 0 and points[0]["triggers"] == []  # the base policy is the reference
    assert points[1]["clipped"] == 1.0 and [t["trigger"] for t in points[1]["triggers"]] == ["clipped"]
    assert any(line.startswith("watch trigger clipped: 100% of greetings hit the token limit") for line in printed)
    if stop:
        assert summary["global_step"] == 2 and len(points) == 2
        assert summary["watch_stopped"]["step"] == 2
        assert summary["watch_stopped"]["triggers"][0]["clipped"] == 1.0
        assert (run.output_path / "checkpoint-2").is_dir()
    else:
        assert summary["global_step"] == 4 and len(points) == 3 and summary["watch_stopped"] is None
        assert not (run.output_path / "checkpoint-2").exists()
    assert (run.output_path / "model").is_dir()
