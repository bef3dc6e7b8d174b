"""The multi-agent debate judge, after the paper's Path A.

Retrieval -> a positive and a negative agent argue (concurrently) -> a strict judge decides -> a reflect agent
reviews and may overturn only with a clear, sufficient reason. The retrieved examples really reach the positive,
negative and judge prompts (the paper's released code retrieves them and never uses them).

The core (:func:`debate_judgement`) is a plain async function over Inspect ``Model`` objects; :func:`debate_judge`
wraps it as a scorer, and a GRPO reward can wrap the same core.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from inspect_ai.model import (
    ChatMessage,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    Model,
    ModelOutput,
    get_model,
    model_roles,
)
from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from harness.judges.debate_prompts import (
    DIMENSIONS,
    EXAMPLE_ITEM,
    EXAMPLES_BLOCK,
    JUDGE_PROMPT,
    JUDGE_SYSTEM,
    MATERIAL,
    NEGATIVE_ARGUMENT,
    NEGATIVE_PROMPT,
    NEGATIVE_SYSTEM,
    POSITIVE_ARGUMENT,
    POSITIVE_PROMPT,
    POSITIVE_SYSTEM,
    REFLECT_PROMPT,
    REFLECT_SYSTEM,
)
from harness.judges.generate import JudgeCallError, judge_generate
from harness.judges.judgement import Judgement
from harness.judges.logprobs import LOGPROBS, VerdictProbability, verdict_probability
from harness.judges.principle import JUDGE_ROLE, escape_tags
from harness.judges.verdict import json_objects, parse_verdict, verdict_word
from harness.metrics import excellence_rate
from harness.retrieval import DEFAULT_ENCODER, Example, Retriever, make_encoder

POSITIVE_ROLE = "debate_positive"
NEGATIVE_ROLE = "debate_negative"
DEBATE_JUDGE_ROLE = "debate_judge"
REFLECT_ROLE = "debate_reflect"

NO_OUTPUT = "（无输出）"
"""Shown to later agents in place of an empty argument."""


@dataclass(frozen=True)
class DebateModels:
    """The model behind each agent (one model may play several)."""

    positive: Model
    negative: Model
    judge: Model
    reflect: Model

    @classmethod
    def same(cls, model: Model) -> DebateModels:
        """One model playing every agent."""
        return cls(positive=model, negative=model, judge=model, reflect=model)


@dataclass(frozen=True)
class DebateConfig:
    """Generation settings and text limits.

    Attributes:
        argument: Generation settings of the positive and negative agents.
        verdict: Generation settings of the judge and reflect agents (greedy, like the principle judge).
        max_argument_chars: Longest argument passed on to the judge and reflect agents (longer ones are cut).
        max_trace_chars: Longest raw agent output kept in the trace (longer ones are cut).
    """

    argument: GenerateConfig = field(default_factory=lambda: GenerateConfig(max_tokens=600))
    verdict: GenerateConfig = field(
        default_factory=lambda: GenerateConfig(max_tokens=300, temperature=0.0).merge(LOGPROBS)
    )
    max_argument_chars: int = 2000
    max_trace_chars: int = 8000


def _truncate(text: str, limit: int) -> tuple[str, bool]:
    return (text, False) if len(text) <= limit else (text[:limit] + "…", True)


def _output_fields(raw: str, limit: int) -> dict[str, Any]:
    output, cut = _truncate(raw, limit)
    return {"output": output, "output_truncated": cut}


def _render_examples(examples: list[Example] | None) -> str:
    if not examples:
        return ""
    items = "\n".join(
        EXAMPLE_ITEM.format(query=escape_tags(e.query), response=escape_tags(e.response)) for e in examples
    )
    return EXAMPLES_BLOCK.format(items=items)


async def _ask_output(model: Model, system: str, prompt: str, config: GenerateConfig) -> ModelOutput:
    messages: list[ChatMessage] = [ChatMessageSystem(content=system), ChatMessageUser(content=prompt)]
    return await judge_generate(model, messages, config)


async def _ask(model: Model, system: str, prompt: str, config: GenerateConfig) -> str:
    return (await _ask_output(model, system, prompt, config)).completion


async def _argue(agent: str, model: Model, system: str, prompt: str, config: DebateConfig) -> tuple[str, dict]:
    """Run one arguing agent; return the text later agents see and its trace record.

    A valid JSON object is passed on re-serialised; anything else is passed on as raw text and flagged
    (``valid_json: False``). Either way the text is cut to ``max_argument_chars`` and its angle brackets are
    neutralised (an agent may echo a hostile greeting). ``parsed`` is kept in the trace only when the raw
    output was not cut.
    """
    raw = await _ask(model, system, prompt, config.argument)
    objects = json_objects(raw)
    passed = json.dumps(objects[0], ensure_ascii=False) if objects else raw.strip()
    passed, cut = _truncate(passed, config.max_argument_chars)
    fields = _output_fields(raw, config.max_trace_chars)
    record = {
        "agent": agent,
        "model": str(model),
        **fields,
        "valid_json": bool(objects),
        "parsed": objects[0] if objects and not fields["output_truncated"] else None,
        "argument_truncated": cut,
    }
    return escape_tags(passed) or NO_OUTPUT, record


@dataclass(frozen=True)
class _Reflection:
    verdict: str | None
    overturn: bool
    reason: str


def _read_reflection(raw: str) -> _Reflection | None:
    """The last JSON object with a boolean ``overturn`` (``true``/``false``, or those words as strings).

    The last, as with verdicts: an agent that quotes an object from the material before its own answer is read
    by its own answer.
    """
    for obj in reversed(json_objects(raw)):
        overturn = obj.get("overturn")
        if isinstance(overturn, str) and overturn.strip().lower() in ("true", "false"):
            overturn = overturn.strip().lower() == "true"
        if isinstance(overturn, bool):
            reason = obj.get("reason")
            return _Reflection(verdict_word(obj.get("verdict")), overturn, str(reason or "").strip())
    return None


def _review(judge_verdict: str, reflection: _Reflection | None) -> tuple[bool, str | None]:
    """Whether the reflection overturns the judge, and a note when it is read as upholding despite itself."""
    if reflection is None:
        return False, "unparseable reflect output: the judge's verdict stands"
    if not reflection.overturn:
        if reflection.verdict not in (None, judge_verdict):
            return False, "reflect set overturn=false but gave another verdict: the judge's verdict stands"
        return False, None
    if reflection.verdict in (None, judge_verdict):
        return False, "reflect claimed an overturn without a different verdict: the judge's verdict stands"
    if not reflection.reason:
        return False, "reflect claimed an overturn without a reason: the judge's verdict stands"
    return True, None


def reflect_overturned(judgement: Judgement) -> bool:
    """Whether the reflect agent overturned the judge in this judgement."""
    return any(step.get("agent") == "reflect" and step.get("overturned") for step in judgement.trace)


async def debate_judgement(
    models: DebateModels,
    query: str,
    response: str,
    *,
    examples: list[Example] | None,
    use_positive: bool = True,
    use_negative: bool = True,
    use_reflect: bool = True,
    config: DebateConfig | None = None,
) -> Judgement:
    """Judge one greeting by debate.

    Steps: the positive and negative agents (those enabled) argue concurrently over the nine dimensions; the judge
    reads the examples and both arguments and says good only if the greeting is good in every respect; the reflect
    agent reviews everything plus the judge's verdict.

    Edge cases:
        - An empty (or whitespace-only) response is bad without calling any model.
        - An argument that is not valid JSON is passed on as raw text and flagged; a huge one is cut.
        - An unparseable judge verdict gives verdict None (unscored), and the reflect agent is not asked:
          there is nothing to review.
        - A failed or timed-out agent call (:class:`~harness.judges.generate.JudgeCallError`) makes the item
          unscored, never a verdict.
        - An unparseable reflect output leaves the judge's verdict standing (noted in the trace), as does an
          "overturn" that keeps the same verdict or gives no reason: overturning needs a clear, sufficient reason.

    Args:
        models: The model behind each agent.
        query: The greeting request.
        response: The greeting under judgement (untrusted: delimited, angle brackets neutralised, and every
            agent is told to ignore instructions inside it).
        examples: Retrieved reference examples shown to the positive, negative and judge agents (and the reflect
            agent); None when retrieval is off (no retrieval step in the trace), ``[]`` when it found none.
        use_positive: Whether to run the positive agent.
        use_negative: Whether to run the negative agent.
        use_reflect: Whether to run the reflect agent.
        config: Generation settings and limits; defaults to :class:`DebateConfig`.

    Returns:
        The judgement. Its trace holds, in order, the retrieval step (if any) and each agent's record (model, raw
        output, what was read from it); prompts are not stored.
    """
    try:
        config = config or DebateConfig()
        if not response.strip():
            return Judgement("bad", "empty response", ({"agent": "judge", "output": None},))
        trace: list[dict[str, Any]] = []
        if examples is not None:
            trace.append({"agent": "retrieval", "examples": [asdict(e) for e in examples]})
        dimensions = "\n".join(f"{i}. {d}" for i, d in enumerate(DIMENSIONS, start=1))
        material = MATERIAL.format(
            examples=_render_examples(examples), query=escape_tags(query), response=escape_tags(response)
        )

        debaters = []  # (how the judge sees the argument, the agent's call)
        if use_positive:
            prompt = POSITIVE_PROMPT.format(dimensions=dimensions, material=material)
            debaters.append((POSITIVE_ARGUMENT, _argue("positive", models.positive, POSITIVE_SYSTEM, prompt, config)))
        if use_negative:
            prompt = NEGATIVE_PROMPT.format(dimensions=dimensions, material=material)
            debaters.append((NEGATIVE_ARGUMENT, _argue("negative", models.negative, NEGATIVE_SYSTEM, prompt, config)))
        results = await asyncio.gather(*(call for _, call in debaters))
        trace.extend(record for _, record in results)
        argued = "".join(template.format(text=text) for (template, _), (text, _) in zip(debaters, results, strict=True))

        judge_prompt = JUDGE_PROMPT.format(dimensions=dimensions, material=material, arguments=argued)
        judge_output = await _ask_output(models.judge, JUDGE_SYSTEM, judge_prompt, config.verdict)
        judge_raw = judge_output.completion
        judged = parse_verdict(judge_raw)
        judge_probability = verdict_probability(judge_output, judged.span)
        reason = _truncate(judged.reason, config.max_argument_chars)[0]  # a prose verdict's reason is the whole output
        trace.append(
            {
                "agent": "judge",
                "model": str(models.judge),
                **_output_fields(judge_raw, config.max_trace_chars),
                "verdict": judged.verdict,
                "reason": reason,
                "p_good": judge_probability.p_good,
            }
        )
        if judged.verdict is None or not use_reflect:
            return Judgement(judged.verdict, reason, tuple(trace), judge_probability.p_good, judge_probability.missing)

        reflect_prompt = REFLECT_PROMPT.format(
            material=material, arguments=argued, verdict=judged.verdict, reason=escape_tags(reason)
        )
        reflect_output = await _ask_output(models.reflect, REFLECT_SYSTEM, reflect_prompt, config.verdict)
        reflect_raw = reflect_output.completion
        reflection = _read_reflection(reflect_raw)
        overturned, note = _review(judged.verdict, reflection)
        fields = _output_fields(reflect_raw, config.max_trace_chars)
        trace.append(
            {
                "agent": "reflect",
                "model": str(models.reflect),
                **fields,
                "parsed": asdict(reflection) if reflection and not fields["output_truncated"] else None,
                "overturned": overturned,
                "note": note,
            }
        )
        if overturned and reflection is not None:
            # The final verdict is the reflect agent's, so is its probability (read at its own verdict token).
            reread = parse_verdict(reflect_raw)
            probability = (
                verdict_probability(reflect_output, reread.span)
                if reread.verdict == reflection.verdict
                else VerdictProbability(None, "the reflect agent's verdict token could not be located")
            )
            reason = _truncate(reflection.reason, config.max_argument_chars)[0]
            return Judgement(reflection.verdict, reason, tuple(trace), probability.p_good, probability.missing)
        return Judgement(judged.verdict, reason, tuple(trace), judge_probability.p_good, judge_probability.missing)
    except JudgeCallError as error:
        failed = {"agent": "debate", "output": None, "error": str(error)}
        return Judgement(None, str(error), (failed,), None, "the judge call failed", call_failed=True)


def debate_models_from_roles(fallback_role: str = JUDGE_ROLE) -> DebateModels:
    """Each agent's model from its own role if bound, else from ``fallback_role``.

    Agent roles: ``debate_positive``, ``debate_negative``, ``debate_judge``, ``debate_reflect``. The fallback role
    is required whenever some agent role is unbound: the judge never falls back to the model under test. Call this
    only inside a running eval (roles are not known before).

    Raises:
        PrerequisiteError: An agent role is unbound and so is ``fallback_role``.
    """
    bound = model_roles()

    def pick(role: str) -> Model:
        return get_model(role=role) if role in bound else get_model(role=fallback_role, required=True)

    return DebateModels(
        positive=pick(POSITIVE_ROLE),
        negative=pick(NEGATIVE_ROLE),
        judge=pick(DEBATE_JUDGE_ROLE),
        reflect=pick(REFLECT_ROLE),
    )


@scorer(metrics=[excellence_rate()])
def debate_judge(
    retrieval: bool = True,
    positive: bool = True,
    negative: bool = True,
    reflect: bool = True,
    k: int = 3,
    data_dir: str | None = None,
    role: str = JUDGE_ROLE,
    encoder: str = DEFAULT_ENCODER,
) -> Scorer:
    """Score the model's greeting good (1) or bad (0) by multi-agent debate.

    Models come from the roles ``debate_positive``/``debate_negative``/``debate_judge``/``debate_reflect`` where
    bound, else from ``role``, which is then required. The flags reproduce the paper's ablations (no retrieval /
    no positive / no negative / no reflect). The retriever (default corpus: RM-train chosen responses) is built
    once per scorer, on the first score; the judged query's own training pairs are never shown as examples.
    An unreadable judge verdict is ``Score.unscored``.

    Args:
        retrieval: Whether to show retrieved examples to the agents.
        positive: Whether to run the positive agent.
        negative: Whether to run the negative agent.
        reflect: Whether to run the reflect agent.
        k: Examples retrieved per sample.
        data_dir: The paper's data folder for the retrieval corpus (default: ``$GREETBENCH_DATA_DIR`` or a
            fetched copy); without one, scoring fails with a clear error unless ``retrieval=False``.
        role: The fallback model role.
        encoder: The retrieval encoder spec (see :func:`harness.retrieval.make_encoder`).

    Returns:
        The scorer. Each score's metadata holds the whole debate: the trace (retrieved examples, every agent's
        output), the ablation flags and whether reflect overturned the judge.
    """
    flags = {"retrieval": retrieval, "positive": positive, "negative": negative, "reflect": reflect, "k": k}
    lock = asyncio.Lock()
    built: list[Retriever] = []

    async def retriever() -> Retriever:
        async with lock:
            if not built:
                built.append(await asyncio.to_thread(Retriever.from_data_dir, data_dir, make_encoder(encoder)))
        return built[0]

    async def score(state: TaskState, target: Target) -> Score:
        models = debate_models_from_roles(role)
        query = state.metadata.get("query", state.input_text)
        response = state.output.completion
        examples = (await retriever()).top_k(query, k, response=response) if retrieval else None
        judgement = await debate_judgement(
            models,
            query,
            response,
            examples=examples,
            use_positive=positive,
            use_negative=negative,
            use_reflect=reflect,
        )
        metadata = {**judgement.to_dict(), "ablation": flags, "overturned": reflect_overturned(judgement)}
        if judgement.value is None:
            return Score.unscored(
                reason="grader_failed", explanation=judgement.reason, answer=response, metadata=metadata
            )
        return Score(value=judgement.value, answer=response, explanation=judgement.reason, metadata=metadata)

    return score
