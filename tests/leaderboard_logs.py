"""Logs for the leaderboard tests and benchmark, made by running greeting_generation with mockllm policies,
the null models and scripted judges (no network, no weights).

Groups of logs (folders under the session's log root):
- ``main/``: judge ``mockllm/judge`` (good iff the greeting says 温暖). Policies ``mockllm/warm`` (always good),
  ``mockllm/plain`` (good on half), ``mockllm/hostile`` (good, full of markup and script), the three null
  models, and an older run of ``mockllm/warm`` (superseded by the newer one).
- ``broken/``: judge ``mockllm/judge-len`` (good iff 20+ characters: fooled by ``null/echo``), ``mockllm/plain`` and
  ``null/echo``.
- ``limited/``: ``mockllm/warm`` on fewer prompts (another prompt set).
- ``errored/``: a run without its judge role (status error).

Every run has the judges ``principle_judge`` (the scripted judge model), ``rival_judge`` (a model-free rule),
``length_judge`` (threshold 39), ``constant_judge``, ``panel`` (principle + rival) and ``creativity``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import MemoryDataset
from inspect_ai.log import read_eval_log, write_eval_log
from inspect_ai.model import ChatMessage, ModelOutput, get_model
from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState
from mocks import mock_output

import tasks._registry  # noqa: F401  (registers the null/ models)
from harness.creativity import creativity
from harness.judges import constant_judge, length_judge, panel, principle_judge
from harness.metrics import excellence_rate
from tasks.greeting_generation import greeting_generation

PROMPTS = 6
"""Prompts per run (the first of the bundled set): enough for ranks, quick to run."""

HOSTILE = (
    "温暖的祝福</td></tr></table><script>document.documentElement.setAttribute('data-pwned','script')</script>"
    "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','img')\">"
    "</script><script>document.documentElement.setAttribute('data-pwned','close')</script>"
    "<svg onload=\"document.documentElement.setAttribute('data-pwned','svg')\"></svg>"
    "<!-- <a href=\"javascript:document.documentElement.setAttribute('data-pwned','link')\">x</a> | =cmd|' /C calc'!A0"
)
"""A greeting that tries every way out of its cell; if any of it ran, the page's <html> would carry data-pwned."""

JUDGE_REASON = "含“温暖”<script>document.documentElement.setAttribute('data-pwned','reason')</script>"
"""The scripted judge's reason, also hostile: judge reasons are untrusted too."""


def _query(messages: list[ChatMessage]) -> str:
    return messages[-1].text.removeprefix("请只生成一条祝福语：")


def warm(messages: list[ChatMessage], *_: object) -> ModelOutput:
    return mock_output(f"亲爱的你：{_query(messages)[:8]}，愿温暖与喜悦常伴左右，岁岁平安，万事顺遂，笑口常开！")


def plain(messages: list[ChatMessage], *_: object) -> ModelOutput:
    long = "生日快乐！愿温暖常在你身边，新的一岁里平安顺遂，工作顺利，家人安康，心想事成！"  # 39+ characters
    return mock_output(long if "生日祝福" in _query(messages) else "快乐！")  # half of the first six requests


def hostile(messages: list[ChatMessage], *_: object) -> ModelOutput:
    return mock_output(HOSTILE)


def _greeting(messages: list[ChatMessage]) -> str:
    return messages[-1].text.split("<greeting>")[1].split("</greeting>")[0]


def warmth_judge(messages: list[ChatMessage], *_: object) -> ModelOutput:
    if "温暖" in _greeting(messages):
        return mock_output(json.dumps({"verdict": "good", "reason": JUDGE_REASON}, ensure_ascii=False))
    return mock_output('{"verdict": "bad", "reason": "没有温度"}')


def length_fooled_judge(messages: list[ChatMessage], *_: object) -> ModelOutput:
    verdict = "good" if len(_greeting(messages)) >= 20 else "bad"
    return mock_output(json.dumps({"verdict": verdict, "reason": "长度"}, ensure_ascii=False))


@scorer(metrics=[excellence_rate()], name="rival_judge")
def rival_judge() -> Scorer:
    """A model-free judge: good iff 15+ characters and not a copy of the request."""

    async def score(state: TaskState, target: Target) -> Score:
        text = state.output.completion
        good = len(text) >= 15 and "请只生成" not in text
        return Score(value=float(good), answer=text, explanation="rule")

    return score


def leaderboard_task(prompts: int = PROMPTS):
    """greeting_generation on the first ``prompts`` bundled requests, with a panel of two judges."""
    task = greeting_generation(prompts="bundled", judges="principle,length,constant")
    task.dataset = MemoryDataset(list(task.dataset)[:prompts], name=task.dataset.name, location="bundled")
    task.scorer = [
        principle_judge(),
        rival_judge(),
        length_judge(threshold=39),
        constant_judge(),
        panel(["principle_judge", "rival_judge"]),
        creativity(),
    ]
    return task


POLICIES = {"mockllm/warm": warm, "mockllm/plain": plain, "mockllm/hostile": hostile}
JUDGES = {"mockllm/judge": warmth_judge, "mockllm/judge-len": length_fooled_judge}


def make_log(
    model: str, log_dir: Path, judge: str | None = "mockllm/judge", prompts: int = PROMPTS, **eval_args: object
) -> Path:
    """Run one model through the leaderboard task and return its log file."""
    policy = get_model(model, custom_outputs=POLICIES[model]) if model in POLICIES else model
    roles = {"judge": get_model(judge, custom_outputs=JUDGES[judge])} if judge else {}
    [log] = inspect_eval(
        leaderboard_task(prompts), model=policy, model_roles=roles, display="none", log_dir=str(log_dir), **eval_args
    )
    return Path(log.location)


def rewrite(source: Path, target: Path, **eval_fields: object) -> Path:
    """Copy a log with some of its header's ``eval`` fields changed (as a hand-edited log would be)."""
    log = read_eval_log(str(source))
    for name, value in eval_fields.items():
        setattr(log.eval, name, value)
    write_eval_log(log, str(target))
    return target


@dataclass(frozen=True)
class MadeLogs:
    """The session's logs (see the module docstring)."""

    root: Path
    main: dict[str, Path]
    broken: dict[str, Path]
    limited: Path
    errored: Path

    @property
    def main_dir(self) -> Path:
        return self.root / "main"


def make_all(root: Path) -> MadeLogs:
    """Every log of the module docstring, under ``root``."""
    main = {}
    old = make_log("mockllm/warm", root / "scratch")
    main["warm-old"] = rewrite(old, root / "main" / "old-warm.eval", created="2020-01-01T00:00:00+00:00")
    for model in ("mockllm/warm", "mockllm/plain", "mockllm/hostile", "null/empty", "null/constant", "null/echo"):
        main[model] = make_log(model, root / "main")
    broken = {m: make_log(m, root / "broken", judge="mockllm/judge-len") for m in ("mockllm/plain", "null/echo")}
    limited = make_log("mockllm/warm", root / "limited", prompts=3)
    errored = make_log("mockllm/warm", root / "errored", judge=None)
    return MadeLogs(root=root, main=main, broken=broken, limited=limited, errored=errored)
