"""GRPO end to end on CPU, through the command line: 2 steps of the tiny preset with every reward kind (a tiny RM,
a scripted async judge, one that is never readable and one that always times out (both of weight 0, logged only:
an unscored term of weight > 0 drops the completion), length, format), the watch with
another judge, the closing harness eval, and the leaderboard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from grpo_helpers import ALWAYS_SLOW, ALWAYS_UNREADABLE
from inspect_ai.log import read_eval_log

from greetbench.cli import cli
from trainers.grpo import METRICS_FILENAME, SUMMARY_FILENAME
from trainers.watch import WATCH_FILENAME

REWARDS = """\
rewards:
  - {{kind: rm, checkpoint: {rm}, device: cpu, weight: 1.0}}
  - {{kind: judge, model: slowjudge/scripted, weight: 1.0, timeout_s: 10}}
  - {{kind: judge, name: unreadable, model: slowjudge/{garbled}, weight: 0.0}}
  - {{kind: judge, name: slow, model: slowjudge/{slow}, timeout_s: 0.2, retries: 0, weight: 0.0}}
  - {{kind: length, mode: overshoot, target_chars: 20, weight: -0.5}}
  - {{kind: format, weight: 0.25}}
watch_judge: {{kind: judge, model: slowjudge/watch}}
watch_steps: 1
watch_prompts: 3
eval_limit: 2
eval_prompts: bundled
eval_max_tokens: 8
"""


@pytest.fixture(scope="module")
def grpo_run(
    tmp_path_factory: pytest.TempPathFactory, tiny_reward_model_dir: Path, mini_data_dir: Path
) -> tuple[Path, Path, str]:
    """`greetbench train grpo` on a config that extends grpo-tiny-cpu with every reward kind; 2 steps."""
    from trainers.config import resolve_config_path

    root = tmp_path_factory.mktemp("grpo")
    base = resolve_config_path("grpo-tiny-cpu").read_text(encoding="utf-8")
    kept = [line for line in base.splitlines() if not line.startswith(("rewards", "  -", "watch_", "eval_limit"))]
    config = root / "grpo.yaml"
    config.write_text(
        "\n".join(kept)
        + "\n"
        + REWARDS.format(rm=tiny_reward_model_dir, garbled=ALWAYS_UNREADABLE, slow=ALWAYS_SLOW)
        + "num_generations: 4\nper_device_train_batch_size: 8\nmax_train_prompts: 8\n",
        encoding="utf-8",
    )
    output, board = root / "run", root / "boards"
    result = CliRunner().invoke(
        cli,
        ["train", "grpo", "--config", str(config), "--output-dir", str(output), "--max-steps", "2"]
        + ["--data-dir", str(mini_data_dir), "--leaderboard", str(board)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return output, board, result.output


def _summary(output: Path) -> dict:
    return json.loads((output / SUMMARY_FILENAME).read_text(encoding="utf-8"))


def test_each_reward_term_and_its_counts_are_logged_every_step(grpo_run: tuple[Path, Path, str]) -> None:
    output, _, _ = grpo_run
    steps = [json.loads(line) for line in (output / METRICS_FILENAME).read_text().splitlines()]
    steps = [s for s in steps if "reward" in s]
    assert [s["step"] for s in steps] == [1, 2]
    for step in steps:
        for name in ("rm", "judge", "length", "format"):
            assert isinstance(step[f"rewards/{name}/mean"], float)
        assert step["judge/unreadable/unscored"] == 8 and step["judge/slow/timed_out"] == 8
        assert step["judge/judge/timed_out"] == 0 and step["judge/judge/failed"] == 0
        assert step["rewards/unscored_share"] == 0.0  # the weighted terms all scored
        for key in ("completions/mean_length", "completions/max_length", "completions/clipped_ratio", "kl"):
            assert key in step
        assert "rm/rm/raw_mean" in step and "length/length/chars" in step
        assert step["timing/generation_s"] > 0 and step["timing/reward_s"] > 0 and step["rollout/tokens_per_s"] > 0
        assert step["timing/step_s"] >= step["timing/generation_s"] + step["timing/reward_s"]
    summary = _summary(output)
    assert summary["reward_outcomes"]["unreadable"] == {"unscored": 16}
    assert summary["reward_outcomes"]["slow"] == {"timed_out": 16}
    assert summary["grpo"]["reward_weights"] == [1.0, 1.0, 0.0, 0.0, -0.5, 0.25]
    assert set(summary["timing"]) == {"step_s", "generation_s", "reward_s", "other_s", "tokens_per_s"}


def test_rollouts_and_configs_are_recorded(grpo_run: tuple[Path, Path, str]) -> None:
    summary = _summary(grpo_run[0])
    assert summary["rollouts"]["engine"] == "greetbench-sampler" and summary["rollouts"]["requested"] == "hf-generate"
    assert summary["global_step"] == 2 and summary["model"]["model_name_or_path"] == "tiny"
    assert [r["name"] for r in summary["rewards"]] == ["rm", "judge", "unreadable", "slow", "length", "format"]
    assert (grpo_run[0] / "curves.png").stat().st_size > 1000


def test_the_watch_scores_held_out_prompts_with_another_judge(grpo_run: tuple[Path, Path, str]) -> None:
    output, _, printed = grpo_run
    points = [json.loads(line) for line in (output / WATCH_FILENAME).read_text().splitlines()]
    assert [p["step"] for p in points] == [0, 1, 2]
    assert points[0]["train_reward"] is None and points[2]["train_reward"] is not None
    for point in points:
        assert point["watch"] in (0.0, 1.0) or 0 <= point["watch"] <= 1
        assert 0 <= point["length_rule"] <= 1 and len(point["samples"]) == 3
    assert "watch      3 points" in printed


def test_the_policy_lands_in_the_harness_and_on_the_leaderboard(grpo_run: tuple[Path, Path, str]) -> None:
    output, board, printed = grpo_run
    evaluation = _summary(output)["evaluation"]
    assert evaluation["status"] == "success" and Path(evaluation["log"]).parent == output / "logs"
    log = read_eval_log(evaluation["log"])
    assert log.eval.task == "greetbench/greeting_generation" and log.eval.model == f"hf/{output.name}"
    registry = json.loads((board / "greetings" / "submissions.json").read_text(encoding="utf-8"))
    assert [entry["name"] for entry in registry["submissions"]] == [Path(evaluation["log"]).name]
    assert (board / "greetings" / "logs" / Path(evaluation["log"]).name).is_file()
    assert "leaderboard added" in printed


@pytest.mark.parametrize("adapter", [False, True])
def test_multi_process_save_gathers_then_merges_on_the_main_process(
    tiny_policy_dir: Path, tmp_path: Path, adapter: bool
) -> None:
    """The DDP / ZeRO-3 branch of save_policy, on one process standing in for the main one."""
    import copy
    from types import SimpleNamespace

    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from trainers.grpo import save_policy

    model = AutoModelForCausalLM.from_pretrained(tiny_policy_dir)
    if adapter:  # non-zero adapters, so merging changes the weights
        model = get_peft_model(model, LoraConfig(r=2, target_modules=["q_proj"], init_lora_weights=False))
    expected = (copy.deepcopy(model).merge_and_unload() if adapter else model).state_dict()
    trainer = SimpleNamespace(
        accelerator=SimpleNamespace(num_processes=2, is_main_process=True, wait_for_everyone=lambda: None),
        is_deepspeed_enabled=False,
        save_model=lambda path: model.save_pretrained(path),
    )
    final = save_policy(trainer, AutoTokenizer.from_pretrained(tiny_policy_dir), tmp_path / "model")
    assert final == tmp_path / "model" and not (tmp_path / "model.gathered").exists()
    assert not (final / "adapter_config.json").exists()
    loaded = AutoModelForCausalLM.from_pretrained(final).state_dict()
    assert loaded.keys() <= expected.keys()
    assert all(torch.allclose(loaded[k], expected[k], atol=1e-6) for k in loaded)


def test_a_rerun_resumes_from_the_last_checkpoint(grpo_run: tuple[Path, Path, str], mini_data_dir: Path) -> None:
    """Runs last: it continues the module's run to step 3 (the preset checkpoints every 2 steps)."""
    output, _, _ = grpo_run
    config = output.parent / "grpo.yaml"
    result = CliRunner().invoke(
        cli,
        ["train", "grpo", "--config", str(config), "--output-dir", str(output), "--max-steps", "3"]
        + ["--data-dir", str(mini_data_dir)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    summary = _summary(output)
    assert summary["resumed_from"] == str(output / "checkpoint-2") and summary["global_step"] == 3
    steps = [json.loads(line)["step"] for line in (output / WATCH_FILENAME).read_text().splitlines()]
    assert steps == [0, 1, 2, 3]  # the resumed run adds its points; no second step-0 point
