"""GRPO configs: every preset loads through TRL's parser, and each misuse fails before any model loads, in one line
naming the key and the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.leaderboard.board_run import board_run
from tasks.greeting_generation.task import TASK_VERSION
from trainers.config import ConfigError, preset_names
from trainers.grpo import load_grpo_config

REPO = Path(__file__).resolve().parents[2]
GRPO_PRESETS = [name for name in preset_names() if name.startswith("grpo-")]


def test_the_grpo_presets_are_there() -> None:
    assert set(GRPO_PRESETS) == {
        "grpo-tiny-cpu",
        "grpo-embedded-0.5b-rm",
        "grpo-embedded-0.5b-judge",
        "grpo-qwen2.5-7b-1xh100-lora",
        "grpo-qwen2.5-7b-2xh100-vllm-server",
        "grpo-paper-4xa100",
    }


@pytest.mark.parametrize("name", GRPO_PRESETS)
def test_every_grpo_preset_loads(name: str) -> None:
    gpu = "7b" in name or "paper" in name
    run = load_grpo_config(name, use_cpu=True if gpu else None)  # bf16 on this CPU machine needs use_cpu
    assert run.grpo.generation_batch_size % run.grpo.num_generations == 0 and run.rewards
    if name == "grpo-tiny-cpu":
        assert run.model.model_name_or_path == "tiny" and [r.kind for r in run.rewards] == ["length", "format"]
        assert (run.grpo.bf16, run.grpo.use_vllm, run.args.eval_judges) == (False, False, "length")
    elif name.startswith("grpo-embedded"):
        assert (run.model.model_name_or_path, run.model.use_peft, run.grpo.use_cpu) == ("embedded", True, True)
        assert run.watch is not None and run.watch.kind != run.rewards[0].kind
        board = board_run(REPO / "leaderboards" / "greetings", task_version=TASK_VERSION)  # --leaderboard's board
        assert (run.args.eval_prompts, run.args.eval_limit, run.args.eval_judges) == (
            board.prompts,
            board.limit,
            board.judges,
        )
        assert (run.args.eval_max_tokens, run.grpo.seed, run.args.eval_rm_checkpoint) == (
            board.max_tokens,
            board.seed,
            "prepared",
        )
    elif name == "grpo-paper-4xa100":
        grpo = run.grpo
        assert (grpo.num_generations, grpo.learning_rate, grpo.beta, grpo.num_train_epochs) == (4, 3e-7, 0.001, 5)
        assert (grpo.max_completion_length, run.model.use_peft, grpo.use_vllm) == (512, False, True)
        assert grpo.per_device_train_batch_size * 4 * grpo.gradient_accumulation_steps == 32 * 4  # on 4 GPUs
    else:
        mode = "server" if "server" in name else "colocate"
        assert (run.model.dtype, run.grpo.bf16, run.grpo.use_vllm, run.grpo.vllm_mode) == (
            "bfloat16",
            True,
            True,
            mode,
        )
        assert run.model.use_peft and run.grpo.generation_batch_size == 32 * 4
        if mode == "server":  # the server is on this machine's loopback, never on every interface (TRL's default)
            assert run.grpo.vllm_server_host == "127.0.0.1"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "run.yaml"
    path.write_text("model_name_or_path: tiny\noutput_dir: out\nuse_cpu: true\nbf16: false\n" + text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "rewards: [{kind: length}]\nlearning_rat: 0.1\n",
            r"unknown key 'learning_rat' for GreetbenchGrpoArguments, GRPOConfig, ModelConfig; did you mean",
        ),
        ("rewards: [{kind: length}]\nmax_steps: 2.5\n", r"key 'max_steps': invalid int value: '2\.5'"),
        ("rewards: [{kind: length}]\nbeta: high\n", r"key 'beta': invalid float value"),
        ("rewards: [{kind: length}]\nuse_peft: 'no'\n", r"key 'use_peft': expected true or false"),
        (
            "rewards: [{kind: length}]\nper_device_train_batch_size: 6\nnum_generations: 4\n",
            r"generation_batch_size \(6\) must be divisible by num_generations \(4\)",
        ),
        ("rewards: []\n", r"key 'rewards': needs at least one reward"),
        ("rewards: [{kind: lenght}]\n", r"rewards\[0\]: key 'kind' must be one of rm, judge, pairwise, length"),
        ("rewards: [{kind: length, mode: square}]\n", r"rewards\[0\]: key 'mode': invalid choice"),
        ("rewards: [{kind: length}]\nreward_weights: [1.0]\n", r"key 'reward_weights': set each reward's weight"),
        (
            "rewards: [{kind: judge, model: mockllm/a}]\nwatch_judge: {kind: judge, model: mockllm/a}\n",
            r"key 'watch_judge': it is the training reward 'judge'",
        ),
        ("rewards: [{kind: length}]\nwatch_judge: {kind: length}\n", r"key 'watch_judge': kind must be judge or rm"),
        (
            "rewards: [{kind: length}]\nwatch_triggers: {lenght_drift: 0.2}\n",
            r"watch_triggers: unknown key 'lenght_drift' for WatchTriggers; did you mean 'length_drift'",
        ),
        ("rewards: [{kind: length}]\nwatch_triggers: {clipped: -1}\n", r"watch_triggers.clipped must be 0 or more"),
        ("rewards: [{kind: length}]\nscale_rewards: std\n", r"key 'scale_rewards' must be one of group, batch, none"),
        ("rewards: [{kind: length}]\nloss_type: drgrpo\n", r"key 'loss_type' must be one of grpo, dr_grpo, dapo"),
    ],
)
def test_misuse_fails_in_one_line_naming_the_key_and_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_grpo_config(path)
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)


def test_missing_rm_checkpoint_fails_before_the_policy_loads(
    tmp_path: Path, mini_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trainers import grpo

    path = _write(tmp_path, f"rewards: [{{kind: rm, checkpoint: {tmp_path / 'no-rm'}}}]\n")
    run = load_grpo_config(path, output_dir=str(tmp_path / "out"), data_dir=str(mini_data_dir))
    monkeypatch.setattr(grpo, "resolve_model", lambda *a, **k: pytest.fail("the policy was resolved"))
    with pytest.raises(ConfigError, match=r"run\.yaml: rewards\[0\]: reward 'rm' \(rm\): no reward-model checkpoint"):
        grpo.train_grpo(run, log=lambda message: None)
