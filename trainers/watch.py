"""The reward-hacking watch: every N steps the policy answers a fixed held-out prompt set, scored by a judge other
than the training reward, by the length rule and by the triggers of :mod:`trainers.watch_triggers`.

A policy can raise its training reward by exploiting the reward (a reward model's length bias, a judge that says
good to everything) rather than by writing better greetings. The watch makes that visible and can stop it: at the
start and every ``watch_steps`` steps it generates greedily for the same prompts (the first ``watch_prompts`` rows
of the GRPO test split, never trained on), scores them with the watch judge (``watch_judge``: a reward spec of kind
``judge`` or ``rm``, built like a training reward) and measures them (length-rule share and mean characters, the
share cut off at the token limit, the repeated-3-gram rate, the share with meta text), and

- appends a point to ``<output_dir>/watch.jsonl`` (step, mean training reward since the last point, the watch
  judge's mean and its length-controlled mean, unscored count, the measures, each greeting's length and score,
  seconds, the triggers fired with their figures); a resumed run reads the earlier points back;
- logs ``watch/judge``, ``watch/judge_lc``, ``watch/length_rule``, ``watch/chars``, ``watch/clipped``,
  ``watch/repetition`` and ``watch/meta_text`` into the trainer's own log (next logging step);
- prints each trigger fired, and with ``watch_stop`` ends the run at the first one, saving a checkpoint.

Generation is greedy, so two points differ only because the policy changed.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.creativity import char_length, repeated_ngram_rate
from harness.data import GreetingRequest
from harness.data.checks import LENGTH_THRESHOLD
from trainers.rewards.base import finite_mean, is_async_reward
from trainers.rewards.format import FORMAT_CHECKS
from trainers.rewards.loop import run_on_background_loop
from trainers.watch_triggers import WatchTriggers, fired_triggers

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
        clipped: Share of greetings cut off at the token limit (no end-of-turn token).
        repetition: Mean repeated-3-gram rate of the greetings.
        meta_text: Share of greetings with meta text (the format reward's ``no_meta_text`` check fails).
        watch_lc: The watch judge's mean read at the pooled median length of every point so far (as of this
            point; None without a scored greeting).
        scored: (characters, watch score) of each scored greeting: what the length control is fitted on.
        triggers: The triggers fired at this point, each with its figures (:func:`fired_triggers`).
        samples: The first few (query, greeting) pairs, to read what the policy writes.
    """

    step: int
    train_reward: float | None
    watch: float | None
    watch_unscored: int
    length_rule: float
    chars: float
    seconds: float
    clipped: float = 0.0
    repetition: float = 0.0
    meta_text: float = 0.0
    watch_lc: float | None = None
    scored: list[tuple[int, float]] = field(default_factory=list)
    triggers: list[dict[str, Any]] = field(default_factory=list)
    samples: list[dict[str, str]] | None = None


def read_points(path: Path) -> list[WatchPoint]:
    """The points of an earlier (resumed) run's ``watch.jsonl``; none when the file is absent."""
    if not path.is_file():
        return []
    points = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        record["scored"] = [tuple(pair) for pair in record.get("scored", [])]
        points.append(WatchPoint(**record))
    return points


def measure_greetings(texts: Sequence[str], clipped: Sequence[bool]) -> dict[str, float]:
    """The watch's measures of one set of greetings: length rule, mean characters and the trigger figures."""
    count = max(len(texts), 1)
    return {
        "length_rule": sum(char_length(t) >= LENGTH_THRESHOLD for t in texts) / count,
        "chars": sum(map(char_length, texts)) / count,
        "clipped": sum(clipped) / count,
        "repetition": sum(repeated_ngram_rate(t) for t in texts) / count,
        "meta_text": sum(bool(t.strip()) and not FORMAT_CHECKS["no_meta_text"](t.strip()) for t in texts) / count,
    }


def generate_greetings(
    model: Any, tokenizer: Any, prompts: Sequence[str], max_new_tokens: int, own_sampler: bool = False
) -> tuple[list[str], list[bool]]:
    """Greedy completions of user prompts through the chat template; the model's mode is restored.

    Args:
        own_sampler: Decode with greetbench's sampler (finished rows leave the batch, so one long greeting does not
            make the others decode on), as the run's rollouts do; else HF generate (left-padded batch), which is
            what several processes need (it keeps sharded models in step).

    Returns:
        The greetings, and for each whether it was cut off at ``max_new_tokens`` (it ends without an end token).
    """
    import torch

    from trainers.decoder import sample_completions

    messages = [[{"role": "user", "content": prompt}] for prompt in prompts]
    texts = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    eos = model.generation_config.eos_token_id
    stops = {*(eos if isinstance(eos, list) else [eos]), tokenizer.eos_token_id} - {None}
    was_training = model.training
    model.eval()
    try:
        if own_sampler:
            completions = sample_completions(
                model,
                [tokenizer(text, add_special_tokens=False)["input_ids"] for text in texts],
                max_new_tokens=max_new_tokens,
                eos_token_ids=sorted(stops),
                pad_token_id=tokenizer.pad_token_id,
                temperature=0,
            )
        else:
            side = tokenizer.padding_side
            tokenizer.padding_side = "left"
            try:
                batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
            finally:
                tokenizer.padding_side = side
            device = next(model.parameters()).device
            with torch.no_grad():
                output = model.generate(
                    input_ids=batch["input_ids"].to(device),
                    attention_mask=batch["attention_mask"].to(device),
                    max_new_tokens=max_new_tokens,
                    do_sample=False,
                    pad_token_id=tokenizer.pad_token_id,
                    use_cache=True,
                )
            # a row ends at its first end token; what follows is padding
            completions = []
            for row in output[:, batch["input_ids"].shape[1] :].tolist():
                end = next((i for i, t in enumerate(row) if t in stops), None)
                completions.append(row if end is None else row[: end + 1])
    finally:
        model.train(was_training)
    clipped = [not row or row[-1] not in stops for row in completions]
    return tokenizer.batch_decode(completions, skip_special_tokens=True), clipped


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
    triggers: WatchTriggers | None = None,
    stop: bool = False,
    samples_kept: int = 3,
) -> Any:
    """The watch as a ``transformers.TrainerCallback`` (see the module docstring).

    Args:
        requests: The fixed held-out prompts.
        judge: The watch judge (a reward callable), or None for the length rule and the measures alone.
        every: Steps between points (a point is also taken before the first step).
        max_new_tokens: Generation limit per greeting.
        path: The jsonl file (appended to; a resumed run reads its points back and continues it).
        log: Progress printer (triggers go here too).
        triggers: When a point counts as a hack; default :class:`WatchTriggers`'s.
        stop: End the run (with a checkpoint) at the first point that fires a trigger.
        samples_kept: (query, greeting) pairs kept per point.

    Returns:
        The callback; set its ``trainer`` attribute after building the trainer (for its event loop and metrics).
        Its ``points`` are every point so far and ``stopped`` the point that ended the run (None if none did).
    """
    from transformers import TrainerCallback

    limits = triggers or WatchTriggers()
    from harness.stats import length_controlled_means

    class RewardWatch(TrainerCallback):
        def __init__(self) -> None:
            self.trainer: Any = None
            self.points: list[WatchPoint] = read_points(path)
            self.stopped: WatchPoint | None = None

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if state.global_step == 0 and not self.points:
                self.measure(state, kwargs.get("model"), kwargs.get("processing_class"))

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if not (every and state.global_step % every == 0):
                return
            point = self.measure(state, kwargs.get("model"), kwargs.get("processing_class"))
            if stop and point is not None and point.triggers and self.stopped is None:
                self.stopped = point
                control.should_training_stop = True
                control.should_save = True
                log(f"watch_stop: ending the run at step {point.step}, with a checkpoint")

        def measure(self, state: Any, model: Any, tokenizer: Any) -> WatchPoint | None:
            if model is None or tokenizer is None:
                return None
            started = time.monotonic()
            # Every process generates (a ZeRO-3 model generates only with all its shards); the first one scores.
            # the rollouts' engine: greetbench's sampler on the merged copy where the run uses it (one process)
            own = bool(getattr(self.trainer, "own_sampler", False))
            texts, clipped = generate_greetings(
                self.trainer.decoding_model(model) if own else model,
                tokenizer,
                [r.prompt for r in requests],
                max_new_tokens,
                own_sampler=own,
            )
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
            judged = zip(texts, values, strict=False)  # no values without a watch judge
            scored = [(char_length(t), float(v)) for t, v in judged if v is not None and math.isfinite(v)]
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
                watch=finite_mean([v for _, v in scored]) if scored else None,
                watch_unscored=len(values) - len(scored),
                seconds=0.0,
                scored=scored,
                samples=[{"query": r.query, "greeting": t} for r, t in zip(requests, texts, strict=True)][
                    :samples_kept
                ],
                **measure_greetings(texts, clipped),
            )
            self.points.append(point)
            # the length control is refitted on every point so far; the triggers read the newest fit
            for each, value in zip(self.points, length_controlled_means([p.scored for p in self.points]), strict=True):
                each.watch_lc = value
            point.triggers = fired_triggers(self.points, limits)
            point.seconds = round(time.monotonic() - started, 2)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(asdict(point), ensure_ascii=False) + "\n")
            self._log_metrics(point)
            shown = "n/a" if point.watch is None else f"{point.watch:.3f}"
            controlled = "" if point.watch_lc is None else f" (at equal length {point.watch_lc:.3f})"
            log(
                f"watch step {point.step}: judge {shown}{controlled}, unscored {point.watch_unscored}; length rule "
                f"{point.length_rule:.2f}, {point.chars:.1f} chars, clipped {point.clipped:.2f}, repetition "
                f"{point.repetition:.3f}, meta text {point.meta_text:.2f} ({point.seconds:.1f} s)"
            )
            for fired in point.triggers:
                log(f"watch trigger {fired['trigger']}: {fired['message']}")
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
            figures = {"judge": point.watch, "judge_lc": point.watch_lc, "length_rule": point.length_rule}
            figures |= {"chars": point.chars, "clipped": point.clipped, "repetition": point.repetition}
            figures |= {"meta_text": point.meta_text}
            for name, value in figures.items():
                if value is not None:
                    metrics["train"][f"watch/{name}"].append(value)

    return RewardWatch()
