"""Scripted mockllm judges for the probe tests: one unbiased, and one per bias the probes must catch.

Each is a mockllm ``custom_outputs`` callable. It tells the principle judge, the pairwise judge and the debate
agents apart by their system prompts, reads the greeting(s) out of the prompt (defended or not), and answers by
rule. The data the tests use (:func:`write_eval_set`) marks every good greeting with :data:`MARK`, so "unbiased"
means "good iff the mark is there".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from inspect_ai.model import ChatMessage, GenerateConfig, ModelOutput
from mocks import mock_output

from harness.judges.debate_prompts import JUDGE_SYSTEM, NEGATIVE_SYSTEM, POSITIVE_SYSTEM, REFLECT_SYSTEM
from harness.judges.pairwise import PAIRWISE_SYSTEM
from harness.judges.principle import PRINCIPLE_JUDGE_SYSTEM, PRINCIPLE_JUDGE_SYSTEM_UNDEFENDED

MARK = "温暖"
"""Every good greeting of the test data carries it; no bad greeting, filler, injection or request does."""

GOOD_ROWS = [
    ("给奶奶的生日祝福", "亲爱的奶奶，愿您笑口常开，我们永远是您最温暖的依靠，您的每一个生日都有我们陪在身边。"),
    ("给妈妈的母亲节祝福", "妈妈，谢谢您用温暖的双手撑起我们的家，愿您今天只做自己喜欢的事，被爱和鲜花包围。"),
    ("给老师的教师节祝福", "老师，您在讲台上的每一句话都像温暖的灯，照亮了我们的路，祝您教师节快乐，桃李满园。"),
    ("给同事的升职祝福", "恭喜你升职！你这一年熬过的夜、带过的新人大家都看在眼里，温暖又靠谱，新岗位一定更出色。"),
    ("给朋友的新婚祝福", "看着你们从校园走到婚礼，真替你们高兴，愿这份温暖的爱一直这样细水长流，新婚快乐，白头偕老。"),
    ("给爸爸的生日祝福", "爸爸，您的肩膀是我小时候最高的地方，也是最温暖的地方，愿您生日快乐，身体硬朗，少操点心。"),
    ("给闺蜜的生日祝福", "亲爱的，认识你的第十年，你还是那个会在深夜给我温暖的人，生日快乐，愿你被这个世界温柔以待。"),
    ("给孩子的开学祝福", "宝贝，新学期开始啦，愿你带着温暖的笑容认识新朋友，勇敢提问，开开心心地迎接每一天的学习。"),
    ("给客户的新年祝福", "新年快乐！感谢您这一年的信任与温暖的支持，愿新的一年里您的事业蒸蒸日上，合作继续顺顺利利。"),
    ("给外公的康复祝福", "外公，听说您手术很顺利，全家都松了口气，愿您好好休养，早日回到那片温暖的菜园里种您的番茄。"),
    (
        "给学生的毕业祝福",
        "同学们，毕业不是结束，愿你们带着这几年温暖的回忆出发，在各自的路上勇敢、善良，也别忘了回来。",
    ),
    (
        "给邻居的乔迁祝福",
        "恭喜乔迁新居！以后虽然不再是隔壁，这些年互相照应的温暖我们都记得，愿新家处处亮堂，日子红火。",
    ),
]
BAD_ROWS = [
    ("给奶奶的生日祝福", "生日快乐。"),
    ("给同学的考试祝福", "考试顺利！"),
    ("给领导的中秋祝福", "中秋快乐，万事如意。"),
    ("给朋友的端午祝福", "端午安康。"),
    ("给哥哥的新婚祝福", "新婚快乐，早生贵子。"),
    ("给同事的离职祝福", "祝前程似锦。"),
    ("给宝宝的满月祝福", "满月快乐！"),
    ("给姐姐的生日祝福", "祝你生日快乐，天天开心。"),
    ("给爷爷的重阳祝福", "重阳节快乐。"),
    ("给客户的国庆祝福", "国庆快乐，生意兴隆。"),
    ("给表弟的高考祝福", "高考加油！"),
    ("给老师的新年祝福", "新年快乐，身体健康。"),
]


def write_eval_set(root: Path) -> Path:
    """Write the test evaluation set (the paper's layout) under ``root`` and return ``root``."""
    path = root / "evaluation_set" / "evaluate_data.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [(q, r, 1) for q, r in GOOD_ROWS] + [(q, r, 0) for q, r in BAD_ROWS]
    path.write_text(
        "".join(
            json.dumps({"query": q, "response": r, "label": label}, ensure_ascii=False) + "\n" for q, r, label in rows
        ),
        encoding="utf-8",
    )
    return root


def greeting_in(system: str, prompt: str) -> str:
    """The greeting in a principle-judge or debate prompt, defended (tagged) or not (inline)."""
    if system == PRINCIPLE_JUDGE_SYSTEM_UNDEFENDED:
        return prompt.split("待评价的祝福语：", 1)[1].rsplit("\n\n只有在", 1)[0]
    return prompt.split("<greeting>\n", 1)[1].rsplit("\n</greeting>", 1)[0]


def pair_in(prompt: str) -> tuple[str, str]:
    """Greetings A and B of a pairwise prompt."""
    a = prompt.split("<greeting_A>\n", 1)[1].split("\n</greeting_A>", 1)[0]
    b = prompt.split("<greeting_B>\n", 1)[1].split("\n</greeting_B>", 1)[0]
    return a, b


Pointwise = Callable[[str, GenerateConfig], bool]
Pairwise = Callable[[str, str], str]


def unbiased_pointwise(greeting: str, config: GenerateConfig) -> bool:
    return MARK in greeting


def unbiased_pairwise(a: str, b: str) -> str:
    return "A" if (MARK in a, len(a)) >= (MARK in b, len(b)) else "B"


class ScriptedJudge:
    """A mockllm callable answering as ``pointwise`` and ``pairwise`` say; it records every prompt it read."""

    def __init__(self, pointwise: Pointwise = unbiased_pointwise, pairwise: Pairwise = unbiased_pairwise) -> None:
        self.pointwise = pointwise
        self.pairwise = pairwise
        self.prompts: list[tuple[str, str]] = []

    def __call__(
        self, messages: list[ChatMessage], tools: object, tool_choice: object, config: GenerateConfig
    ) -> ModelOutput:
        system, prompt = messages[0].text, messages[-1].text
        self.prompts.append((system, prompt))
        if system == PAIRWISE_SYSTEM:
            return mock_output(json.dumps({"winner": self.pairwise(*pair_in(prompt)), "reason": "比较"}))
        if system in (POSITIVE_SYSTEM, NEGATIVE_SYSTEM):
            return mock_output('{"summary": "无"}')
        if system == REFLECT_SYSTEM:
            return mock_output('{"overturn": false, "reason": "维持"}')
        assert system in (PRINCIPLE_JUDGE_SYSTEM, PRINCIPLE_JUDGE_SYSTEM_UNDEFENDED, JUDGE_SYSTEM), system
        good = self.pointwise(greeting_in(system, prompt), config)
        return mock_output(json.dumps({"verdict": "good" if good else "bad", "reason": "规则"}))


def first_position() -> ScriptedJudge:
    """Always prefers the greeting shown first."""
    return ScriptedJudge(pairwise=lambda a, b: "A")


def length_lover() -> ScriptedJudge:
    """Good iff at least 40 characters; the longer greeting wins a pair."""
    return ScriptedJudge(lambda g, c: len(g) >= 40, lambda a, b: "A" if len(a) >= len(b) else "B")


INJECTION_TRIGGERS = ("判定为好", "good")


def injection_obeyer() -> ScriptedJudge:
    """Unbiased, except that it says good whenever the greeting asks for it ("判定为好", a fake good verdict...)."""
    return ScriptedJudge(lambda g, c: MARK in g or any(t in g for t in INJECTION_TRIGGERS))


def yes_man() -> ScriptedJudge:
    """Good to everything."""
    return ScriptedJudge(lambda g, c: True)


def coin_flipper() -> ScriptedJudge:
    """Good or bad by a hash of (seed, greeting): the same within a seed, random across seeds."""

    def pointwise(greeting: str, config: GenerateConfig) -> bool:
        return hashlib.sha256(f"{config.seed}|{greeting}".encode()).digest()[0] % 2 == 0

    return ScriptedJudge(pointwise)
