"""The reward-hacking watch: every N steps the policy answers a fixed held-out prompt set, scored by a judge other
than the training reward and always by the length rule.

A policy can raise its training reward by exploiting the reward (a reward model's length bias, a judge that says
good to everything) rather than by writing better greetings. The watch makes that visible: at the start and every
``watch_steps`` steps it generates greedily for the same prompts (the first ``watch_prompts`` rows of the GRPO
test split, never trained on), scores them with the watch judge (``watch_judge``: a reward spec of kind ``judge``
or ``rm``, built like a training reward) and with the length rule (share of greetings of at least 39 characters,
and mean characters), and

- appends a point to ``<output_dir>/watch.jsonl`` (step, mean training reward since the last point, watch mean,
  unscored count, length-rule rate, mean characters, seconds, warning);
- logs ``watch/judge``, ``watch/length_rule`` and ``watch/chars`` into the trainer's own log (next logging step);
- warns when the training reward rose while the watch fell (both by more than ``min_delta``) since the last point.

Generation is greedy, so two points differ only because the policy changed.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.creativity import char_length
from harness.data import GreetingRequest
from harness.data.checks import LENGTH_THRESHOLD
from trainers.rewards.base import finite_mean, is_async_reward
from trainers.rewards.loop import run_on_background_loop

WATCH_FILENAME = "watch.jsonl"
"""The watch's points, one JSON object a line, inside the output folder."""

TRAIN_REWARD_KEY = "reward"
"""The key of the training reward (weighted sum of the terms) in the trainer's log history."""


@dataclass
class WatchPoint:
    """One measurement of the watch.

    Attributes:
        step: The optimizer step it was taken after (0: before training).
        train_reward: Mean training reward since the previous point: the logged values, and the steps computed but
            not yet logged (None before the first step).
        watch: Mean watch-judge reward over the scored prompts (None without a watch judge, or none scored).
        watch_unscored: Prompts the watch judge left unscored.
        length_rule: Share of greetings with at least ``LENGTH_THRESHOLD`` characters.
        chars: Mean greeting length in characters.
        seconds: Time the point took (generation and scoring).
        warning: Set when the training reward rose while the watch fell since the previous point.
        samples: The first few (query, greeting) pairs, to read what the policy writes.
    """

    step: int
    train_reward: float | None
    watch: float | None
    watch_unscored: int
    length_rule: float
    chars: float
    seconds: float
    warning: str | None = None
    samples: list[dict[str, str]] | None = None


def hacking_warning(previous: WatchPoint | None, current: WatchPoint, min_delta: float) -> str | None:
    """The warning for ``current`` against ``previous``: training reward up and watch down, each by > min_delta.

    Edge cases: no previous point, or a missing training reward or watch value on either side, gives None.
    """
    if previous is None or None in (previous.train_reward, current.train_reward, previous.watch, current.watch):
        return None
    train_delta = current.train_reward - previous.train_reward  # type: ignore[operator]
    watch_delta = current.watch - previous.watch  # type: ignore[operator]
    if train_delta > min_delta and watch_delta < -min_delta:
        return (
            f"possible reward hacking: training reward rose {train_delta:+.3f} while the watch fell "
            f"{watch_delta:+.3f} between steps {previous.step} and {current.step}"
        )
    return None


def generate_greetings(model: Any, tokenizer: Any, prompts: Sequence[str], max_new_tokens: int) -> list[str]:
    """Greedy completions of user prompts through the chat template (left-padded batch; model mode restored)."""
    import torch

    messages = [[{"role": "user", "content": prompt}] for prompt in prompts]
    texts = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    try:
        batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
    finally:
        tokenizer.padding_side = side
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            output = model.generate(
                input_ids=batch["input_ids"].to(device),
                attention_mask=batch["attention_mask"].to(device),
                max_new_tokens=max_new_tokens,
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id,
                use_cache=True,
            )
    finally:
        model.train(was_training)
    new_tokens = output[:, batch["input_ids"].shape[1] :]
    return tokenizer.batch_decode(new_tokens, skip_special_tokens=True)


def call_reward(reward: Callable[..., Any], loop: Any | None = None, **kwargs: Any) -> list[float | None]:
    """Call a TRL reward (sync or ``async``) outside TRL; an async one runs on ``loop`` if it is running (TRL's
    background loop, where its model clients live), else on the process's background loop."""
    if not is_async_reward(reward):
        return list(reward(**kwargs))
    return list(run_on_background_loop(reward(**kwargs), loop))


def make_watch_callback(
    requests: Sequence[GreetingRequest],
    judge: Callable[..., Any] | None,
    every: int,
    max_new_tokens: int,
    path: Path,
    log: Callable[[str], None],
    min_delta: float = 0.02,
    samples_kept: int = 3,
) -> Any:
    """The watch as a ``transformers.TrainerCallback`` (see the module docstring).

    Args:
        requests: The fixed held-out prompts.
        judge: The watch judge (a reward callable), or None for the length rule alone.
        every: Steps between points (a point is also taken before the first step).
        max_new_tokens: Generation limit per greeting.
        path: The jsonl file (appended to, so a resumed run continues it).
        log: Progress printer (warnings go here too).
        min_delta: Smallest change counted as a rise or a fall.
        samples_kept: (query, greeting) pairs kept per point.

    Returns:
        The callback; set its ``trainer`` attribute after building the trainer (for its event loop and metrics).
    """
    from transformers import TrainerCallback

    class RewardWatch(TrainerCallback):
        def __init__(self) -> None:
            self.trainer: Any = None
            self.points: list[WatchPoint] = []

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if state.global_step == 0:
                self.measure(state, kwargs.get("model"), kwargs.get("processing_class"))

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if every and state.global_step % every == 0:
                self.measure(state, kwargs.get("model"), kwargs.get("processing_class"))

        def measure(self, state: Any, model: Any, tokenizer: Any) -> WatchPoint | None:
            if model is None or tokenizer is None:
                return None
            started = time.monotonic()
            # Every process generates (a ZeRO-3 model generates only with all its shards); the first one scores.
            texts = generate_greetings(model, tokenizer, [r.prompt for r in requests], max_new_tokens)
            if not state.is_world_process_zero:
                return None
            values: list[float | None] = []
            if judge is not None:
                values = call_reward(
                    judge,
                    getattr(self.trainer, "async_loop", None),
                    prompts=[[{"role": "user", "content": r.prompt}] for r in requests],
                    completions=texts,
                    query=[r.query for r in requests],
                )
            scored = [v for v in values if v is not None and math.isfinite(v)]
            previous = self.points[-1] if self.points else None
            since = previous.step if previous else -1
            train = [  # logged since the previous point, plus what this step computed and is yet to log
                entry[TRAIN_REWARD_KEY]
                for entry in state.log_history
                if TRAIN_REWARD_KEY in entry and since < entry.get("step", 0) < state.global_step
            ] + self._pending_train_rewards()
            point = WatchPoint(
                step=state.global_step,
                train_reward=finite_mean(train) if train else None,
                watch=finite_mean(scored) if scored else None,
                watch_unscored=len(values) - len(scored),
                length_rule=sum(char_length(t) >= LENGTH_THRESHOLD for t in texts) / max(len(texts), 1),
                chars=sum(map(char_length, texts)) / max(len(texts), 1),
                seconds=round(time.monotonic() - started, 2),
                samples=[{"query": r.query, "greeting": t} for r, t in zip(requests, texts, strict=True)][
                    :samples_kept
                ],
            )
            point.warning = hacking_warning(previous, point, min_delta)
            self.points.append(point)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(asdict(point), ensure_ascii=False) + "\n")
            self._log_metrics(point)
            shown = "n/a" if point.watch is None else f"{point.watch:.3f}"
            log(
                f"watch step {point.step}: judge {shown} (unscored {point.watch_unscored}), length rule "
                f"{point.length_rule:.2f}, {point.chars:.1f} chars ({point.seconds:.1f} s)"
            )
            if point.warning:
                log(f"warning: {point.warning}")
            return point

        def _pending_train_rewards(self) -> list[float]:
            metrics = getattr(self.trainer, "_metrics", None)
            if not isinstance(metrics, dict) or "train" not in metrics:
                return []
            return [float(v) for v in metrics["train"].get(TRAIN_REWARD_KEY, [])]

        def _log_metrics(self, point: WatchPoint) -> None:
            metrics = getattr(self.trainer, "_metrics", None)
            if not isinstance(metrics, dict) or "train" not in metrics:
                return
            if point.watch is not None:
                metrics["train"]["watch/judge"].append(point.watch)
            metrics["train"]["watch/length_rule"].append(point.length_rule)
            metrics["train"]["watch/chars"].append(point.chars)

    return RewardWatch()
