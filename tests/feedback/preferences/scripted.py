"""Scripted mockllm roles for the preference tests: a policy whose k candidates are known in advance, and judges.

Both are mockllm ``custom_outputs`` callables (usage set on every output, see tests/mocks.py). The policy finds a
candidate's number from its seed (each candidate's seed is derived from the run seed, the request and the number),
so its answers do not depend on the order calls arrive in.

Per request the policy writes: 0 a long greeting, 1 a short one, 2 a repeat of 0, 3 a greeting the judge cannot
read (it answers prose), then medium ones. The judge says good iff a greeting has at least :data:`GOOD_CHARS`
characters, with P(good) from logprobs that grow with length.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    GenerateConfig,
    Logprob,
    Logprobs,
    Model,
    ModelOutput,
    ModelUsage,
    TopLogprob,
    get_model,
)
from mocks import mock_output

from feedback.preferences import candidate_seed
from harness.data import strip_policy_prefix
from harness.judges.debate_prompts import NEGATIVE_SYSTEM, POSITIVE_SYSTEM, REFLECT_SYSTEM
from tests.harness.probes.scripted import greeting_in

SEED = 42
GOOD_CHARS = 15
"""The scripted judge's cut: a greeting this long or longer is good."""
UNREADABLE = "乱"
"""A greeting holding this character gets an answer no parser reads."""


class Killed(BaseException):
    """Raised where a real run would be killed: a BaseException, so the loop's error handling does not catch it."""


def candidate_text(query: str, index: int) -> str:
    """What the scripted policy writes as candidate ``index`` of ``query``."""
    if index in (0, 2):
        return f"{query}：愿你万事顺意，平安喜乐，岁岁年年都有好消息！"
    if index == 1:
        return "祝好。"
    if index == 3:
        return f"{UNREADABLE}{query}"
    return f"{query}，第{index}条祝福，开心每天"


class ScriptedPolicy:
    """The policy: :func:`candidate_text`, found by the call's seed; ``kill_after`` raises :class:`Killed` on that
    call. Counts its calls."""

    def __init__(
        self,
        k_max: int = 8,
        seed: int = SEED,
        text: Callable[[str, int], str] = candidate_text,
        kill_after: int | None = None,
    ) -> None:
        self.k_max, self.seed, self.text, self.kill_after = k_max, seed, text, kill_after
        self.calls = 0

    def __call__(self, messages: list[ChatMessage], tools: object, tool_choice: object, config: GenerateConfig):
        if self.kill_after is not None and self.calls >= self.kill_after:
            raise Killed(f"killed at policy call {self.calls + 1}")
        self.calls += 1
        query = strip_policy_prefix(messages[-1].text)
        index = next(i for i in range(self.k_max) if candidate_seed(self.seed, query, i) == config.seed)
        return mock_output(self.text(query, index))

    def model(self, name: str = "mockllm/policy") -> Model:
        """A fresh mockllm model over this script."""
        return get_model(name, custom_outputs=self, memoize=False)


def verdict_output(word: str, p_good: float) -> ModelOutput:
    """A verdict word with logprobs at its token: good and bad alternatives with ``p_good`` and ``1 - p_good``."""
    alternatives = [("good", p_good), ("bad", 1.0 - p_good)]
    top = [TopLogprob(token=t, logprob=math.log(max(p, 1e-9)), bytes=list(t.encode())) for t, p in alternatives]
    logprob = math.log(max(dict(alternatives)[word], 1e-9))
    step = Logprob(token=word, logprob=logprob, bytes=list(word.encode()), top_logprobs=top)
    choice = ChatCompletionChoice(
        message=ChatMessageAssistant(content=word, model="mockllm"),
        stop_reason="stop",
        logprobs=Logprobs(content=[step]),
    )
    return ModelOutput(model="mockllm", choices=[choice], usage=ModelUsage(input_tokens=10, output_tokens=1))


def scripted_p_good(greeting: str) -> float:
    """The scripted judge's P(good): grows with length, 0.5 at :data:`GOOD_CHARS` characters."""
    return min(0.99, max(0.01, len(greeting.strip()) / (2 * GOOD_CHARS)))


class ScriptedJudge:
    """The judge: principle judge and debate agents alike; ``always`` fixes the verdict, ``kill_after`` raises
    :class:`Killed` on that call, ``delay`` sleeps before each answer. Counts its calls."""

    def __init__(self, always: str | None = None, kill_after: int | None = None, delay: float = 0.0) -> None:
        self.always, self.kill_after, self.delay = always, kill_after, delay
        self.calls = 0
        self.max_tokens: list[int | None] = []

    async def __call__(self, messages: list[ChatMessage], tools: object, tool_choice: object, config: GenerateConfig):
        if self.kill_after is not None and self.calls >= self.kill_after:
            raise Killed(f"killed at judge call {self.calls + 1}")
        self.calls += 1
        self.max_tokens.append(config.max_tokens)
        if self.delay:
            await asyncio.sleep(self.delay)
        system, prompt = messages[0].text, messages[-1].text
        if system in (POSITIVE_SYSTEM, NEGATIVE_SYSTEM):
            return mock_output('{"summary": "一句话"}')
        greeting = greeting_in(system, prompt)
        if system == REFLECT_SYSTEM:
            return mock_output('{"verdict": "good", "overturn": false, "reason": "维持"}')
        if UNREADABLE in greeting and self.always is None:
            return mock_output("这条祝福语嘛，我觉得还可以再想想。")
        p_good = scripted_p_good(greeting) if self.always is None else 0.9
        word = self.always or ("good" if len(greeting.strip()) >= GOOD_CHARS else "bad")
        return verdict_output(word, p_good)

    def model(self, name: str = "mockllm/judge") -> Model:
        """A fresh mockllm model over this script."""
        return get_model(name, custom_outputs=self, memoize=False)
