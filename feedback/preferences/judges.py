"""The judges that can sort candidates into good and bad, each seen through one small interface.

Mirrors :mod:`harness.probes.judges`: every judge is its plain async core (the one its scorer and the GRPO reward
wrap) behind :class:`PreferenceJudge`, prepared once. Unlike the probes, which run inside an Inspect eval and take
their models from roles, a preference run is a plain loop, so models are made by name (``get_model``) or passed in.

A judge is known by its :attr:`PreferenceJudge.identity` (JSON: name, model, principles hash, limits, reward-model
hash, ...); its :attr:`~PreferenceJudge.key` names the run folder's judgement file, so verdicts of one judge are
never read as another's, and a second judge can re-judge the same candidates in the same folder.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from inspect_ai.model import GenerateConfig, Model

from feedback.preferences.models import LazyModel
from harness.hashing import sha256_hex
from harness.judges.baselines import dev_length_threshold, length_judgement
from harness.judges.debate import DebateConfig, DebateModels, debate_judgement
from harness.judges.judgement import Judgement
from harness.judges.logprobs import LOGPROBS
from harness.judges.principle import judge_with_principles
from harness.judges.reward_model import RewardModelError, stored_cut_judge
from harness.principles import DEFAULT_PRINCIPLES, load_principles
from harness.retrieval import DEFAULT_ENCODER, CorpusUnavailableError, Example, Retriever, default_corpus, make_encoder
from harness.slug import slug

JudgeOne = Callable[[str, str], Awaitable[Judgement]]
"""(query, response) -> judgement."""

JUDGE_NAMES = ("principle", "debate", "rm", "length")
"""Judges a preference run can use (``--judge``)."""

DEBATE_ARGUMENT_TOKENS = 160
"""Default cap on each debating agent's argument. The debate judge's own default (600 tokens) cost 339 s per item on
two CPU cores (tests/benchmarks/RESULTS.md); an argument cut short is passed on as raw text and flagged."""

DEBATE_VERDICT_TOKENS = 120
"""Default cap on the judge and reflect agents' outputs (a JSON verdict with a one-sentence reason)."""


@dataclass(frozen=True)
class JudgeSettings:
    """Which judge, and its options.

    Attributes:
        name: One of :data:`JUDGE_NAMES`.
        model: The LLM judges' Inspect model name (an embedded alias is resolved).
        model_args: Keyword arguments of ``get_model`` (``model_path``, ``device``, ...).
        principles: The principle judge's rules (bundled name or YAML path).
        reason: The principle judge gives a reason (True) or the verdict word alone (False: one forward pass; its
            P(good) is read at the verdict token either way where the provider gives logprobs).
        debate_argument_tokens: Cap on each debating agent's argument.
        debate_verdict_tokens: Cap on the debate's judge and reflect outputs.
        retrieval: The debate shows retrieved examples (needs the paper's data).
        retrieval_k: Examples retrieved per greeting.
        rm_checkpoint: The reward-model judge's checkpoint (with its stored threshold).
        length_threshold: The length rule's cut in characters; None fits it on the eval set's dev split.
    """

    name: str = "principle"
    model: str = "embedded"
    model_args: dict[str, Any] = field(default_factory=dict)
    principles: str = DEFAULT_PRINCIPLES
    reason: bool = False
    debate_argument_tokens: int = DEBATE_ARGUMENT_TOKENS
    debate_verdict_tokens: int = DEBATE_VERDICT_TOKENS
    retrieval: bool = True
    retrieval_k: int = 3
    rm_checkpoint: str | None = None
    length_threshold: int | None = None

    def __post_init__(self) -> None:
        """Check values that no type can express."""
        if self.name not in JUDGE_NAMES:
            raise ValueError(f"unknown judge {self.name!r}: choose from {', '.join(JUDGE_NAMES)}")
        if min(self.debate_argument_tokens, self.debate_verdict_tokens, self.retrieval_k) < 1:
            raise ValueError("debate token caps and retrieval_k must be at least 1")


@dataclass(frozen=True)
class PreferenceJudge:
    """One judge as a preference run uses it.

    Attributes:
        name: The judge's short name.
        judge: Judges one greeting.
        identity: What makes its verdicts what they are (JSON-ready; no machine paths).
    """

    name: str
    judge: JudgeOne
    identity: dict[str, Any]

    @property
    def key(self) -> str:
        """``<name>-<12 hex digits of the identity's SHA-256>``: the judge's name in a run folder."""
        return f"{slug(self.name)}-{sha256_hex(json.dumps(self.identity, sort_keys=True))[:12]}"


def judge_calls(judgement: Judgement) -> int:
    """Model calls behind a judgement, counted from its trace: each step that names a model (an LLM agent that was
    asked), or a reward-model step with a reward (one forward). An empty greeting, judged without a model, is 0."""
    return sum(1 for step in judgement.trace if "model" in step or step.get("reward") is not None)


def _model_identity(model: LazyModel) -> dict[str, Any]:
    """The model's name, and its arguments where given (``hf/local`` is a different model per ``model_path``)."""
    identity: dict[str, Any] = {"model": model.name}
    if model.args:
        identity["model_args"] = {name: str(value) for name, value in sorted(model.args.items())}
    return identity


def _model(settings: JudgeSettings, model: Model | LazyModel | None) -> LazyModel:
    if isinstance(model, LazyModel):
        return model
    return LazyModel(settings.model, settings.model_args, model)


def _principle(
    settings: JudgeSettings, data_dir: str | Path | None, model: Model | LazyModel | None
) -> PreferenceJudge:
    rules = load_principles(settings.principles)
    judge_model = _model(settings, model)

    async def judge(query: str, response: str) -> Judgement:
        return await judge_with_principles(judge_model.get(), query, response, rules, reason=settings.reason)

    identity = {
        "judge": "principle",
        **_model_identity(judge_model),
        "principles": rules.name,
        "principles_sha256": rules.sha256,
        "reason": settings.reason,
        "defended": True,
    }
    return PreferenceJudge("principle", judge, identity)


def _debate(settings: JudgeSettings, data_dir: str | Path | None, model: Model | LazyModel | None) -> PreferenceJudge:
    debate_model = _model(settings, model)
    config = DebateConfig(
        argument=GenerateConfig(max_tokens=settings.debate_argument_tokens),
        verdict=GenerateConfig(max_tokens=settings.debate_verdict_tokens, temperature=0.0).merge(LOGPROBS),
    )
    corpus = None
    if settings.retrieval:  # read now: a missing corpus fails before any model call; embedded on first use
        try:
            corpus = default_corpus(data_dir)
        except CorpusUnavailableError as err:
            raise ValueError(str(err)) from err
    built: list[Retriever] = []
    lock = asyncio.Lock()

    async def examples_for(query: str, response: str) -> list[Example] | None:
        if corpus is None:
            return None
        async with lock:
            if not built:
                built.append(await asyncio.to_thread(Retriever.from_pairs, corpus, make_encoder(DEFAULT_ENCODER)))
        return await asyncio.to_thread(built[0].top_k, query, settings.retrieval_k, response=response)

    async def judge(query: str, response: str) -> Judgement:
        examples = await examples_for(query, response)
        models = DebateModels.same(debate_model.get())
        return await debate_judgement(models, query, response, examples=examples, config=config)

    identity = {
        "judge": "debate",
        **_model_identity(debate_model),
        "agents": "positive,negative,judge,reflect",
        "argument_max_tokens": settings.debate_argument_tokens,
        "verdict_max_tokens": settings.debate_verdict_tokens,
        "retrieval": settings.retrieval,
        "retrieval_k": settings.retrieval_k if settings.retrieval else None,
        "encoder": DEFAULT_ENCODER if settings.retrieval else None,
    }
    return PreferenceJudge("debate", judge, identity)


def _reward_model(
    settings: JudgeSettings, data_dir: str | Path | None, model: Model | LazyModel | None
) -> PreferenceJudge:
    if not settings.rm_checkpoint:
        raise ValueError("the 'rm' judge needs a reward-model checkpoint (--rm-checkpoint)")
    try:
        reward_model = stored_cut_judge(settings.rm_checkpoint)  # weights load on the first judgement
    except RewardModelError as err:
        raise ValueError(str(err)) from err
    return PreferenceJudge("rm", reward_model.judge, {"judge": "rm", **reward_model.metadata()})


def _length(settings: JudgeSettings, data_dir: str | Path | None, model: Model | LazyModel | None) -> PreferenceJudge:
    if settings.length_threshold is not None:
        threshold, fit_on = settings.length_threshold, "given"
    else:
        threshold, provenance = dev_length_threshold(data_dir)
        fit_on = str(provenance.get("fit_on"))

    async def judge(query: str, response: str) -> Judgement:
        return length_judgement(response, threshold)

    return PreferenceJudge("length", judge, {"judge": "length", "threshold": threshold, "fit_on": fit_on})


_PREPARE: dict[str, Callable[[JudgeSettings, str | Path | None, Model | LazyModel | None], PreferenceJudge]] = {
    "principle": _principle,
    "debate": _debate,
    "rm": _reward_model,
    "length": _length,
}


def prepare_judge(
    settings: JudgeSettings, data_dir: str | Path | None = None, model: Model | LazyModel | None = None
) -> PreferenceJudge:
    """Make a judge ready: load its principles, corpus, threshold or checkpoint identity; its model (and the debate's
    retrieval encoder, the reward model's weights) load on the first judgement, so a run with nothing left to judge
    loads none.

    Args:
        settings: Which judge, and its options.
        data_dir: The paper's data folder (the debate's retrieval corpus, the length rule's dev split).
        model: The LLM judges' model, made already (tests) or shared with the policy; default made from
            ``settings.model`` on first use.

    Returns:
        The judge.

    Raises:
        ValueError: The judge cannot be used as asked (no checkpoint or threshold for ``rm``; no data for the
            debate's retrieval), in one line.
        DataError: A data file is malformed.
    """
    return _PREPARE[settings.name](settings, data_dir, model)


def settings_dict(settings: JudgeSettings) -> dict[str, Any]:
    """The settings as JSON (for a run's record of what was asked)."""
    return asdict(settings)
