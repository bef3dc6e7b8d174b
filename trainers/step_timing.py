"""Where a GRPO step's time goes: rollout generation, rewards, and the rest (log-prob passes, backward, optimizer).

:func:`instrument` wraps two methods of a ``trl.GRPOTrainer`` instance (``_generate``: the rollouts, HF generate or
vLLM; ``_calculate_rewards``: every reward function) with wall-clock timers, and returns a callback that, at the
end of each optimizer step, puts into the trainer's own log:

- ``timing/step_s``: the step's wall time;
- ``timing/generation_s``, ``timing/reward_s``: time in the two wrapped methods during the step;
- ``timing/other_s``: the rest (reference and old-policy log-probs, forward and backward, optimizer);
- ``rollout/tokens_per_s``: completion tokens generated during the step / generation seconds.

A generation batch can span several optimizer steps (``steps_per_generation``); its time is booked on the step
that generated it. The names are TRL 1.16's; a TRL without them is left uninstrumented (and says so).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

WRAPPED = ("_generate", "_calculate_rewards")


class _Clock:
    """Seconds and tokens accumulated since the last step end."""

    def __init__(self) -> None:
        self.generation_s = 0.0
        self.reward_s = 0.0
        self.tokens = 0
        self.step_started = time.monotonic()


def _timed(method: Callable[..., Any], clock: _Clock, kind: str) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        result = method(*args, **kwargs)
        elapsed = time.monotonic() - started
        if kind == "_generate":
            clock.generation_s += elapsed
            completion_ids = result[1] if isinstance(result, tuple) and len(result) > 1 else []
            clock.tokens += sum(len(ids) for ids in completion_ids)
        else:
            clock.reward_s += elapsed
        return result

    return wrapper


def instrument(trainer: Any, log: Callable[[str], None] | None = None) -> Any | None:
    """Time ``trainer``'s rollouts and rewards; return the callback to add (``trainer.add_callback``), or None when
    this TRL lacks the methods."""
    from transformers import TrainerCallback

    if not all(callable(getattr(trainer, name, None)) for name in WRAPPED):
        if log:
            log("step timing unavailable: this TRL has no GRPOTrainer._generate / _calculate_rewards")
        return None
    clock = _Clock()
    for name in WRAPPED:
        setattr(trainer, name, _timed(getattr(trainer, name), clock, name))

    class StepTiming(TrainerCallback):
        def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            clock.step_started = time.monotonic()

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            step = time.monotonic() - clock.step_started
            metrics = trainer._metrics["train"]
            metrics["timing/step_s"].append(step)
            metrics["timing/generation_s"].append(clock.generation_s)
            metrics["timing/reward_s"].append(clock.reward_s)
            metrics["timing/other_s"].append(max(step - clock.generation_s - clock.reward_s, 0.0))
            if clock.generation_s > 0:
                metrics["rollout/tokens_per_s"].append(clock.tokens / clock.generation_s)
            clock.generation_s = clock.reward_s = 0.0
            clock.tokens = 0

    return StepTiming()
