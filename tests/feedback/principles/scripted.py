"""Scripted mockllm roles for principle optimization, told apart by their system prompts.

The Detector (the principle judge's prompt) says good to everything unless its rules hold :data:`SHORT_RULE`, and
then says bad to greetings under 12 characters: on the probe test data (good greetings long, bad ones short) that
rule is what the loop should find. The Reflector and the GEPA reflection proposal suggest it; the Optimizer merges
any suggestion by adding it as a rule. :func:`by_rules` scripts a Detector that answers one way under the starting
rules and another once :data:`SHORT_RULE` is in them (a broken candidate, say), and :func:`write_wide_eval_set`
writes data whose dev split has several queries of each label (the probe data's has one good query).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from inspect_ai.model import ChatMessage, GenerateConfig, ModelOutput, get_model
from mocks import mock_output

from feedback.principles import Roles
from feedback.principles.prompts import (
    DETECTOR_HINT_SYSTEM,
    GENERATOR_SYSTEM,
    OPTIMIZER_SYSTEM,
    REFLECTOR_SYSTEM,
)
from harness.judges.principle import PRINCIPLE_JUDGE_SYSTEM
from tests.harness.probes.scripted import greeting_in

SHORT_RULE = "少于十二个字的祝福语太短，判为不好"


class Killed(Exception):
    """What a scripted run raises where a real one would be killed."""


Answer = Callable[[str, str], str]
"""(system, prompt) -> the role's raw output."""


def detector(system: str, prompt: str) -> str:
    greeting = greeting_in(system, prompt)
    strict = SHORT_RULE in prompt
    return "bad" if strict and len(greeting) < 12 else "good"


def always_good(system: str, prompt: str) -> str:
    return "good"


def always_bad(system: str, prompt: str) -> str:
    return "bad"


def inverted(system: str, prompt: str) -> str:
    """Good to short greetings, bad to long ones: wrong on every row of the test data."""
    return "good" if len(greeting_in(system, prompt)) < 12 else "bad"


def by_rules(start: Answer, with_short_rule: Answer) -> Answer:
    """A Detector answering as ``start`` until its rules hold :data:`SHORT_RULE`, then as ``with_short_rule``."""

    def answer(system: str, prompt: str) -> str:
        return (with_short_rule if SHORT_RULE in prompt else start)(system, prompt)

    return answer


def write_wide_eval_set(root: Path, queries: int = 40) -> Path:
    """An evaluation set of ``queries`` distinct requests, half with a long good greeting and half with a short bad
    one (under 12 characters, so :func:`detector` with :data:`SHORT_RULE` judges it right); returns ``root``."""
    path = root / "evaluation_set" / "evaluate_data.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(queries):
        query = f"给第{i + 1}位同事的新年祝福"
        good = f"第{i + 1}位同事，谢谢你一年来温暖的帮助，新年快乐，万事顺意。"
        row = (
            {"query": query, "response": f"新年快乐{i}号！", "label": 0}
            if i % 2
            else {"query": query, "response": good, "label": 1}
        )
        lines.append(json.dumps(row, ensure_ascii=False) + "\n")
    path.write_text("".join(lines), encoding="utf-8")
    return root


def generator(system: str, prompt: str) -> str:
    return json.dumps({"greeting": "生日快乐，万事如意。", "flaw": "泛泛而谈，哪个场合都能用"}, ensure_ascii=False)


def reflector(system: str, prompt: str) -> str:
    return json.dumps({"suggestions": [SHORT_RULE]}, ensure_ascii=False)


def optimizer(system: str, prompt: str) -> str:
    """Adds the suggestion as a rule after the current ones (read back from the prompt's numbered list)."""
    current = prompt.split("当前准则：\n", 1)[1].split("\n\n", 1)[0].splitlines()
    suggestion = prompt.rsplit("建议：", 1)[1].split("\n", 1)[0]
    rules = [{"id": f"r{i}", "text": line.split(": ", 1)[1]} for i, line in enumerate(current, start=1)]
    if suggestion not in [r["text"] for r in rules]:
        rules.append({"id": f"r{len(rules) + 1}", "text": suggestion[:200]})
    return json.dumps({"rules": rules}, ensure_ascii=False)


def gepa_proposal(prompt: str) -> str:
    """GEPA's reflection LM: the current rules (between the first pair of fences) plus the short rule."""
    current = prompt.split("```", 2)[1].strip()
    return f"```\n{current}\n99. short: {SHORT_RULE}\n```"


class ScriptedRoles:
    """One mockllm callable for all four roles; ``kill_after`` raises on that call (a killed run)."""

    def __init__(self, answers: dict[str, Answer] | None = None, kill_after: int | None = None) -> None:
        self.answers = {
            PRINCIPLE_JUDGE_SYSTEM: detector,
            GENERATOR_SYSTEM: generator,
            DETECTOR_HINT_SYSTEM: lambda s, p: '{"strategy": "把缺陷藏在热情的语气里"}',
            REFLECTOR_SYSTEM: reflector,
            OPTIMIZER_SYSTEM: optimizer,
        } | (answers or {})
        self.kill_after = kill_after
        self.calls: list[str] = []

    def __call__(
        self, messages: list[ChatMessage], tools: object, tool_choice: object, config: GenerateConfig
    ) -> ModelOutput:
        if self.kill_after is not None and len(self.calls) >= self.kill_after:
            raise Killed(f"killed at call {len(self.calls) + 1}")
        system, prompt = messages[0].text, messages[-1].text
        if system not in self.answers:  # GEPA's reflection prompt has no system message
            self.calls.append("gepa")
            return mock_output(gepa_proposal(prompt))
        self.calls.append(system)
        return mock_output(self.answers[system](system, prompt))

    def roles(self, name: str = "mockllm/roles") -> Roles:
        model = get_model(name, custom_outputs=self, memoize=False)
        return Roles(generator=model, detector=model, reflector=model, optimizer=model)
