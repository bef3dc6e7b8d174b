"""Adversarial principle optimization (the paper's Path B): a Generator attacks the rules, a Reflector reads the
Detector's mistakes, an Optimizer merges what they found into the rules, and the validation slice decides.

One iteration, from the previous state (S_G, S_D):

1. For each of ``adversarial`` cases, the Generator writes a flawed greeting for a train-slice request under one
   strategy of S_G and says what the flaw is; the Detector judges it under S_D. Caught (bad): the Detector's model
   says how the strategy could hide the flaw better, and that rewrite replaces the strategy. Missed (good): the
   Generator's explanation becomes a suggestion for S_D. An unreadable verdict teaches nothing.
2. The Detector judges the train slice under S_D; up to ``reflect_errors`` of its mistakes go to the Reflector,
   whose suggestions join the others.
3. The Optimizer merges each suggestion in turn into the rules (at most :data:`MAX_RULES`); a malformed merge is
   recorded and skipped, never merged.
4. The merged rules replace S_D only if :func:`~feedback.principles.selection.rejection` finds nothing against
   them: they judge some validation rows good and some bad (rules that judge every row alike never replace S_D,
   whatever their score), and their balanced accuracy there is strictly higher (unscored counted as a miss);
   otherwise S_D stays and the state's ``rejection`` says why. Either way the state is written, and a resumed run
   starts after it.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any

from feedback.principles.detector import Detector, SliceAgreement, slice_agreement
from feedback.principles.prompts import (
    DETECTOR_HINT_PROMPT,
    DETECTOR_HINT_SYSTEM,
    GENERATOR_PROMPT,
    GENERATOR_SYSTEM,
    OPTIMIZER_PROMPT,
    OPTIMIZER_SYSTEM,
    REFLECTOR_ERROR,
    REFLECTOR_PROMPT,
    REFLECTOR_SYSTEM,
    START_STRATEGIES,
)
from feedback.principles.roles import MalformedOutput, Roles, json_field, role_call
from feedback.principles.rulesets import MAX_RULES, candidate, rules_as_text, rules_from_items
from feedback.principles.selection import rejection
from feedback.principles.slices import Slices
from feedback.principles.store import RunStore
from harness.judges.principle import escape_tags
from harness.principles import Principles, Rule


@dataclass(frozen=True)
class LoopSettings:
    """Knobs of the adversarial loop.

    Attributes:
        iterations: Iterations after the starting state.
        adversarial: Flawed greetings written per iteration.
        reflect_errors: Detector mistakes on the train slice shown to the Reflector per iteration.
        budget: Judge calls after which no new iteration starts (None: no limit); the iteration under way
            finishes, so the total can pass it by one iteration's calls.
        seed: Seed of the Generator's request draws.
    """

    iterations: int = 3
    adversarial: int = 4
    reflect_errors: int = 6
    budget: int | None = None
    seed: int = 0


def read_generated(output: str) -> dict[str, str]:
    """The Generator's ``{"greeting", "flaw"}``.

    Raises:
        MalformedOutput: A field missing, not text, or empty.
    """
    greeting, flaw = json_field(output, "greeting"), json_field(output, "flaw")
    if not (isinstance(greeting, str) and greeting.strip() and isinstance(flaw, str) and flaw.strip()):
        raise MalformedOutput("'greeting' and 'flaw' must be non-empty text")
    return {"greeting": greeting.strip(), "flaw": flaw.strip()}


def read_strategy(output: str) -> str:
    """The Detector's rewritten strategy (one non-empty line of text).

    Raises:
        MalformedOutput: Missing or not text.
    """
    strategy = json_field(output, "strategy")
    if not isinstance(strategy, str) or not strategy.strip():
        raise MalformedOutput("'strategy' must be non-empty text")
    return " ".join(strategy.split())


def read_suggestions(output: str) -> list[str]:
    """The Reflector's suggestions (non-empty texts; at least one).

    Raises:
        MalformedOutput: Not a list of texts, or none.
    """
    items = json_field(output, "suggestions")
    if not isinstance(items, list):
        raise MalformedOutput("'suggestions' must be a list")
    texts = [" ".join(item.split()) for item in items if isinstance(item, str) and item.strip()]
    if not texts:
        raise MalformedOutput("no suggestion in 'suggestions'")
    return texts


def read_rules(output: str) -> list[dict[str, str]]:
    """The Optimizer's merged rules, checked (:func:`rules_from_items`), as JSON-ready items."""
    return [asdict(rule) for rule in rules_from_items(json_field(output, "rules"))]


def _rules(state: dict[str, Any], name: str) -> Principles:
    return candidate(name, [Rule(**item) for item in state["rules"]])


NO_CANDIDATE = "no candidate: the merges left the rules as they were"
"""The ``rejection`` of an iteration whose Optimizer changed nothing (or whose every merge was malformed)."""


async def initial_state(start: Principles, detector: Detector, slices: Slices) -> dict[str, Any]:
    """Iteration 0: the starting rules and strategies, and the rules' agreement on the validation slice.

    The starting rules are accepted as they are (no guard: they are the user's, see :mod:`.selection`).
    """
    val = slice_agreement(await detector.judge_rows(start, slices.val), slices.val)
    return {
        "iteration": 0,
        "strategies": list(START_STRATEGIES),
        "rules": [asdict(rule) for rule in start.rules],
        "rules_sha256": start.sha256,
        "val": val.to_dict(),
        "accepted": True,
        "rejection": None,
        "judge_calls": detector.calls,
    }


async def iteration(
    number: int,
    previous: dict[str, Any],
    roles: Roles,
    detector: Detector,
    store: RunStore,
    slices: Slices,
    settings: LoopSettings,
    name: str,
) -> dict[str, Any]:
    """Run one iteration from ``previous`` and return its state (see the module docstring).

    The state's ``rejection`` is None when the candidate replaced the rules, else a short reason: no candidate
    (:data:`NO_CANDIDATE`), one class only, or a balanced accuracy not above the current rules'.
    """
    rules, strategies = _rules(previous, name), list(previous["strategies"])
    rng = random.Random(f"{settings.seed}/{number}")
    suggestions: list[str] = []
    cases: list[dict[str, Any]] = []
    malformed = 0
    for j in range(settings.adversarial):
        slot = j % len(strategies)
        strategy, query = strategies[slot], rng.choice(slices.train).query
        prompt = GENERATOR_PROMPT.format(strategy=strategy, query=escape_tags(query))
        made = await role_call(
            store, f"it{number}/generate/{j}", "generator", roles.generator, GENERATOR_SYSTEM, prompt, read_generated
        )
        if made["read"] is None:
            malformed += 1
            continue
        greeting, flaw = made["read"]["greeting"], made["read"]["flaw"]
        judged = await detector.judge(rules, query, greeting)
        cases.append({"strategy": strategy, "query": query, "greeting": greeting, "verdict": judged.verdict})
        if judged.verdict == "bad":
            prompt = DETECTOR_HINT_PROMPT.format(strategy=strategy, flaw=flaw, greeting=escape_tags(greeting))
            hint = await role_call(
                store, f"it{number}/hint/{j}", "detector", roles.detector, DETECTOR_HINT_SYSTEM, prompt, read_strategy
            )
            if hint["read"] is None:
                malformed += 1
            else:
                strategies[slot] = hint["read"]
        elif judged.verdict == "good":
            suggestions.append(f"评审把一条有缺陷的祝福语判为好：{flaw}")
    judged_train = await detector.judge_rows(rules, slices.train)
    errors = [
        REFLECTOR_ERROR.format(
            query=escape_tags(row.query),
            greeting=escape_tags(row.response),
            label="好" if row.label else "不好",
            verdict="好" if j.verdict == "good" else "不好",
        )
        for row, j in zip(slices.train, judged_train, strict=True)
        if j.verdict is not None and int(j.verdict == "good") != row.label
    ][: settings.reflect_errors]
    if errors:
        prompt = REFLECTOR_PROMPT.format(rules=rules_as_text(rules.rules), errors="\n".join(errors))
        reflected = await role_call(
            store, f"it{number}/reflect", "reflector", roles.reflector, REFLECTOR_SYSTEM, prompt, read_suggestions
        )
        if reflected["read"] is None:
            malformed += 1
        else:
            suggestions += reflected["read"]
    merged = rules
    for k, suggestion in enumerate(suggestions):
        prompt = OPTIMIZER_PROMPT.format(rules=rules_as_text(merged.rules), max_rules=MAX_RULES, suggestion=suggestion)
        rec = await role_call(
            store, f"it{number}/merge/{k}", "optimizer", roles.optimizer, OPTIMIZER_SYSTEM, prompt, read_rules
        )
        if rec["read"] is None:
            malformed += 1
        else:
            merged = candidate(name, [Rule(**item) for item in rec["read"]])
    state: dict[str, Any] = {
        "iteration": number,
        "strategies": strategies,
        "rules": previous["rules"],
        "rules_sha256": previous["rules_sha256"],
        "val": previous["val"],
        "accepted": False,
        "rejection": NO_CANDIDATE,
        "cases": cases,
        "train_errors": len(errors),
        "suggestions": suggestions,
        "malformed_outputs": malformed,
        "candidate": None,
    }
    if merged.sha256 != rules.sha256:
        val = slice_agreement(await detector.judge_rows(merged, slices.val), slices.val)
        state["candidate"] = {"rules": [asdict(r) for r in merged.rules], "sha256": merged.sha256, "val": val.to_dict()}
        state["rejection"] = rejection(val, SliceAgreement(**previous["val"]))
        if state["rejection"] is None:
            state |= {"rules": state["candidate"]["rules"], "rules_sha256": merged.sha256, "val": val.to_dict()}
            state["accepted"] = True
    state["judge_calls"] = detector.calls
    return state


async def optimize_adversarially(
    start: Principles,
    roles: Roles,
    detector: Detector,
    store: RunStore,
    slices: Slices,
    settings: LoopSettings,
    name: str,
) -> list[dict[str, Any]]:
    """Run (or resume) the loop; every finished iteration's state, iteration 0 first.

    A run folder that already holds finished iterations goes on after the last of them; calls made in an iteration
    that a kill interrupted are replayed from the record, not made again.
    """
    states = store.finished_iterations()
    if not states:
        states = [await initial_state(start, detector, slices)]
        store.finish_iteration(states[0])
    while len(states) <= settings.iterations:
        if settings.budget is not None and detector.calls >= settings.budget:
            break
        state = await iteration(len(states), states[-1], roles, detector, store, slices, settings, name)
        store.finish_iteration(state)
        states.append(state)
    return states
