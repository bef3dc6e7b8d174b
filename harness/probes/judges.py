"""The judges the probes can test, each seen through one small interface: judge one greeting, compare two.

A probe never calls a judge module directly; it calls a :class:`ProbeJudge`, which wraps the judge's plain async
core (the same core its scorer and the GRPO reward wrap). Preparation (loading principles, fitting a threshold)
happens once when the task is built; the models are picked from the model roles inside the running eval.

To add a judge: write ``_prepare_<name>(options) -> Callable[[], ProbeJudge]`` that loads what the judge needs once
and returns a function building the :class:`ProbeJudge` from the model roles, then add a :class:`ProbeJudgeSpec` to
:data:`PROBE_JUDGES`. ``judge`` must accept a ``sampling`` config (merged into the judge's own settings; the
stability probe passes a seed and a temperature there) and ``compare`` returns a ``PairwiseJudgement``. Set
``switchable_defenses`` only if the judge's prompt can really be built without its defenses.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from inspect_ai.model import GenerateConfig, get_model

from harness.creativity import char_length
from harness.judges.baselines import dev_length_threshold, length_judgement
from harness.judges.debate import DebateConfig, debate_judgement, debate_models_from_roles
from harness.judges.judgement import Judgement
from harness.judges.pairwise import PAIRWISE_CONFIG, PairwiseJudgement, judge_pair
from harness.judges.principle import JUDGE_CONFIG, JUDGE_ROLE, judge_with_principles
from harness.judges.reward_model import RewardModelError, stored_cut_judge
from harness.principles import DEFAULT_PRINCIPLES, load_principles
from harness.probes.case import ProbeCase, ProbeOutcome, judgement_record

JudgeOne = Callable[[str, str, GenerateConfig | None], Awaitable[Judgement]]
"""(query, response, sampling) -> judgement."""
ComparePair = Callable[[str, str, str], Awaitable[PairwiseJudgement]]
"""(query, a, b) -> the pair judged in both orders."""


@dataclass(frozen=True)
class ProbeJudge:
    """One judge as the probes use it.

    Attributes:
        name: The judge's short name.
        judge: Judges one greeting; ``sampling`` (or None) is merged into the judge's own generation settings.
        compare: Judges a pair in both orders (the position probe).
    """

    name: str
    judge: JudgeOne
    compare: ComparePair


@dataclass(frozen=True)
class ProbeJudgeOptions:
    """What the task passes on to the judges.

    Attributes:
        defended: Whether the judge's prompt keeps its injection defenses.
        principles: Principles for the principle judge.
        data_dir: The paper's data folder (the length judge fits its threshold on the dev split).
        role: The model role supplying the judge model.
        rm_checkpoint: The reward-model judge's checkpoint folder (with its stored threshold).
    """

    defended: bool = True
    principles: str = DEFAULT_PRINCIPLES
    data_dir: str | None = None
    role: str = JUDGE_ROLE
    rm_checkpoint: str | None = None


@dataclass(frozen=True)
class Prepared:
    """A judge made ready for a run: a builder called inside the eval, and what the log should say about it."""

    build: Callable[[], ProbeJudge]
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProbeJudgeSpec:
    """A judge the probes know.

    Attributes:
        prepare: Loads what the judge needs once (at task build) and returns a :class:`Prepared`.
        switchable_defenses: Whether ``defended=False`` means something for this judge.
        description: One line for errors and docs.
    """

    prepare: Callable[[ProbeJudgeOptions], Prepared]
    switchable_defenses: bool
    description: str


def _merged(config: GenerateConfig, sampling: GenerateConfig | None) -> GenerateConfig:
    return config if sampling is None else config.merge(sampling)


def _model_compare(role: str) -> ComparePair:
    async def compare(query: str, a: str, b: str) -> PairwiseJudgement:
        return await judge_pair(get_model(role=role, required=True), query, a, b, config=PAIRWISE_CONFIG)

    return compare


def _prepare_principle(options: ProbeJudgeOptions) -> Prepared:
    rules = load_principles(options.principles)

    def build() -> ProbeJudge:
        model = get_model(role=options.role, required=True)

        async def judge(query: str, response: str, sampling: GenerateConfig | None) -> Judgement:
            config = _merged(JUDGE_CONFIG, sampling)
            return await judge_with_principles(model, query, response, rules, config=config, defended=options.defended)

        return ProbeJudge("principle", judge, _model_compare(options.role))

    return Prepared(build, {**rules.provenance(), "defenses": "on" if options.defended else "off"})


def _prepare_debate(options: ProbeJudgeOptions) -> Prepared:
    def build() -> ProbeJudge:
        models = debate_models_from_roles(options.role)

        async def judge(query: str, response: str, sampling: GenerateConfig | None) -> Judgement:
            base = DebateConfig()
            config = DebateConfig(argument=_merged(base.argument, sampling), verdict=_merged(base.verdict, sampling))
            return await debate_judgement(models, query, response, examples=None, config=config)

        return ProbeJudge("debate", judge, _model_compare(options.role))

    note = (
        "retrieval off in probes (no examples shown), to keep them cheap; all four agents on; arguments sampled "
        "at the provider's default temperature and verdicts greedy, as the debate judge is deployed"
    )
    return Prepared(build, {"retrieval": False, "debate_agents": "positive,negative,judge,reflect", "note": note})


def _prepare_length(options: ProbeJudgeOptions) -> Prepared:
    threshold, provenance = dev_length_threshold(options.data_dir)

    async def judge(query: str, response: str, sampling: GenerateConfig | None) -> Judgement:
        return length_judgement(response, threshold)

    async def compare(query: str, a: str, b: str) -> PairwiseJudgement:
        la, lb = char_length(a), char_length(b)
        winner = None if la == lb else ("A" if la > lb else "B")
        reason = f"length rule: A {la} chars, B {lb} chars"
        return PairwiseJudgement(winner, winner, (reason, reason))

    return Prepared(
        lambda: ProbeJudge("length", judge, compare),
        {"length_threshold": threshold, **{f"threshold_{k}": v for k, v in provenance.items()}},
    )


def _prepare_reward_model(options: ProbeJudgeOptions) -> Prepared:
    """The reward model at its stored cut; loaded on first use (once per process), its identity in the log.

    It scores each greeting alone, so a pair's winner (the higher reward) cannot depend on the order shown: the
    position probe measures nothing for it and says so in its trace. It samples nothing, so the stability probe
    checks only that repeated forwards agree.
    """
    if not options.rm_checkpoint:
        raise ValueError("the 'rm' judge needs a reward-model checkpoint: rm_checkpoint=<folder>")
    try:
        reward_model = stored_cut_judge(options.rm_checkpoint)
    except RewardModelError as err:  # an argument that cannot be used: the task reports it in one line
        raise ValueError(str(err)) from err

    async def judge(query: str, response: str, sampling: GenerateConfig | None) -> Judgement:
        return await reward_model.judge(query, response)

    async def compare(query: str, a: str, b: str) -> PairwiseJudgement:
        ra, rb = (await judge(query, a, None)), (await judge(query, b, None))
        rewards = [_reward(j) for j in (ra, rb)]
        winner = None if None in rewards or rewards[0] == rewards[1] else ("A" if rewards[0] > rewards[1] else "B")
        reason = f"reward model, order-blind: A {ra.reason}; B {rb.reason}"
        return PairwiseJudgement(winner, winner, (reason, reason))

    return Prepared(lambda: ProbeJudge("rm", judge, compare), reward_model.metadata())


def _reward(judgement: Judgement) -> float | None:
    """The raw reward in a reward-model judgement's trace (None for an empty greeting or a failed forward)."""
    return next((step.get("reward") for step in judgement.trace), None)


PROBE_JUDGES: dict[str, ProbeJudgeSpec] = {
    "principle": ProbeJudgeSpec(_prepare_principle, True, "principle-guided LLM judge (defenses switchable)"),
    "debate": ProbeJudgeSpec(_prepare_debate, False, "multi-agent debate judge, retrieval off"),
    "length": ProbeJudgeSpec(_prepare_length, False, "the length rule (no model; longer wins a pair)"),
    "rm": ProbeJudgeSpec(_prepare_reward_model, False, "reward-model judge at its stored cut (needs rm_checkpoint)"),
}
"""Judges the probes can test, by short name (the ``judge`` task argument)."""


def prepare_probe_judge(name: str, options: ProbeJudgeOptions) -> Prepared:
    """Make a judge ready for a probe run.

    Raises:
        ValueError: An unknown judge, or ``defended=False`` for a judge whose defenses cannot be switched off
            (its prompt is always defended, so an "undefended" run would silently measure the defended one).
    """
    spec = PROBE_JUDGES.get(name)
    if spec is None:
        raise ValueError(f"unknown judge {name!r} for probes: choose from {', '.join(PROBE_JUDGES)}")
    if not options.defended and not spec.switchable_defenses:
        raise ValueError(f"the {name!r} judge has no switchable defenses: run it with defended=True")
    return spec.prepare(options)


async def bad_turned_good(case: ProbeCase, judge: ProbeJudge, *, skip_note: str) -> ProbeOutcome:
    """Judge a bad greeting before and after a change; the change "works" if it turns the verdict to good.

    The case counts only when the clean greeting was judged bad (otherwise there is nothing to turn: ``failed``
    is None with ``skip_note``); unreadable output on either side is never a pass or a fail.
    """
    clean = await judge.judge(case.query, case.original or "", None)
    changed = await judge.judge(case.query, case.perturbed or "", None)
    verdicts = {"original": clean.verdict, "perturbed": changed.verdict}
    trace = {"original": judgement_record(clean), "perturbed": judgement_record(changed)}
    hit = None if changed.verdict is None else changed.verdict == "good"
    if hit is None or clean.verdict is None:
        return ProbeOutcome(hit, None, verdicts, "unreadable judge output", trace)
    if clean.verdict == "good":
        return ProbeOutcome(hit, None, verdicts, skip_note, trace)
    return ProbeOutcome(hit, hit, verdicts, "", trace)
