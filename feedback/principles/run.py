"""One ``optimize-principles`` run: slices, roles and Detector set up, an optimizer run (or resumed), the chosen
rules written as a principles file with their lineage, and the before/after report on the test rows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from feedback.principles.adversarial import LoopSettings, optimize_adversarially
from feedback.principles.detector import Detector
from feedback.principles.gepa_run import optimize_with_gepa
from feedback.principles.report import REPORT_HEADER, before_after_report, report_rows
from feedback.principles.roles import Roles
from feedback.principles.rulesets import candidate, write_principles
from feedback.principles.slices import optimization_slices
from feedback.principles.store import RunStore
from harness.judges.baselines import dev_length_threshold
from harness.principles import Principles, Rule, load_principles

Optimizer = Literal["adversarial", "gepa"]
OPTIMIZERS: tuple[Optimizer, ...] = ("adversarial", "gepa")

PRINCIPLES_FILE = "principles.yaml"


@dataclass(frozen=True)
class OptimizeSettings:
    """Everything one run depends on (saved as the run's config; a resume must match it).

    Attributes:
        optimizer: ``adversarial`` (the paper's loop) or ``gepa``.
        principles: The starting rule set (bundled name or YAML path).
        model: The model of every role not named in ``roles``.
        roles: Role -> model overrides.
        rows: Train plus validation rows of the dev split.
        test_rows: Test rows of the report (0: the whole test split).
        loop: The loop's knobs; its ``budget`` is GEPA's too.
        judge_reason: The Detector asks for a reason (False: the verdict word alone, with P(good)).
        name: The ``name`` of the written principles.
    """

    optimizer: Optimizer
    principles: str
    model: str
    roles: dict[str, str] = field(default_factory=dict)
    rows: int = 40
    test_rows: int = 100
    loop: LoopSettings = field(default_factory=LoopSettings)
    judge_reason: bool = False
    name: str = "optimized"

    def gepa_budget(self, train: int, val: int) -> int:
        """GEPA's judge calls: the given budget, else what the loop would spend at most on these slices."""
        if self.loop.budget is not None:
            return self.loop.budget
        return val + self.loop.iterations * (train + self.loop.adversarial + val)


@dataclass(frozen=True)
class OptimizeResult:
    """A finished run: the written principles, the report and the judge calls spent."""

    principles: Principles
    report: dict[str, Any]
    judge_calls: int
    markdown: str


async def optimize_principles(
    settings: OptimizeSettings, run: Path, data_dir: Path, roles: Roles | None = None
) -> OptimizeResult:
    """Run (or resume) one optimizer and report it.

    Args:
        settings: The run's settings.
        run: The run folder.
        data_dir: The paper's data folder.
        roles: The role models (default: made from ``settings.model`` and ``settings.roles``).

    Raises:
        UserInputError: ``run`` holds a run made with other settings.
        ValueError: An unknown role, or slice sizes that cannot be used.
        FileNotFoundError: The starting principles are missing.
    """
    start = load_principles(settings.principles)
    slices = optimization_slices(data_dir, settings.rows, settings.test_rows, settings.loop.seed)
    roles = roles or Roles.from_names(settings.model, settings.roles)
    config = {
        **asdict(settings),
        "start_sha256": start.sha256,
        "slices": slices.to_dict(),
        "role_models": roles.names(),
    }
    store = RunStore(run, config)
    detector = Detector(roles.detector, store, reason=settings.judge_reason)
    if settings.optimizer == "gepa":
        budget = settings.gepa_budget(len(slices.train), len(slices.val))
        outcome = await optimize_with_gepa(
            start, roles.reflector, detector, store, slices.train, slices.val, budget, settings.loop.seed
        )
        lineage = {
            "candidates": outcome.candidates,
            "chosen_candidate": outcome.chosen,
            "gepa_best_candidate": outcome.gepa_best,
            "val": outcome.val.to_dict(),
            "considered": list(outcome.considered),
            "gepa_metric_calls": outcome.metric_calls,
        }
        rules = outcome.rules
    else:
        states = await optimize_adversarially(start, roles, detector, store, slices, settings.loop, settings.name)
        chosen = max((s for s in states if s["accepted"]), key=lambda s: s["iteration"])
        rules = tuple(Rule(**item) for item in chosen["rules"])
        lineage = {"iteration": chosen["iteration"], "iterations_run": len(states) - 1, "val": chosen["val"]}
    calls = detector.calls
    lineage = {
        "parent": start.name,
        "parent_sha256": start.sha256,
        "optimizer": settings.optimizer,
        "run": str(run),
        "judge_calls": calls,
        **lineage,
    }
    written = write_principles(run / PRINCIPLES_FILE, settings.name, rules, lineage)
    threshold, _ = dev_length_threshold(data_dir)
    after = candidate(settings.name, rules)  # judged by rules alone, so the record's judgements are reused
    report = await before_after_report(start, after, detector, slices.test, threshold)
    report |= {"optimizer": settings.optimizer, "principles_file_sha256": written.sha256, "judge_calls": calls}
    report["judge_calls_with_report"] = detector.calls
    store.write_json("report.json", report)
    markdown = "\n".join([REPORT_HEADER, *report_rows(settings.optimizer, report)]) + "\n"
    (run / "report.md").write_text(markdown, encoding="utf-8")
    return OptimizeResult(written, report, calls, markdown)
