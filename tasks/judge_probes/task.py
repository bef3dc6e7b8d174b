"""judge_probes: how a judge behaves on cases built to catch it out (position, length, injection, repetition,
meta-text, null, stability). The attack families use only the held-out side of the attack forms
(:mod:`harness.probes.forms`), which no trainer sees; the log records the split.

No policy model writes anything: each sample is a probe case made by code from the labelled evaluation set, and
the ``probe`` scorer runs the judge's core on it. Reads top to bottom: dataset, solver, scorer, metrics.
"""

from __future__ import annotations

from collections import Counter

from inspect_ai import Task, task

from harness.errors import task_arguments
from harness.judge_names import PROBED_JUDGE_KEY
from harness.principles import DEFAULT_PRINCIPLES
from harness.probes import (
    PROBES,
    ProbeJudgeOptions,
    ProbeSettings,
    attack_forms,
    parse_probes,
    prepare_probe_judge,
    probe,
    probe_rates,
    split_record,
)
from harness.solvers import given_response
from tasks.judge_probes.dataset import probe_dataset

TASK_VERSION = 2
"""2: the attack families use held-out forms only; repetition and meta_text added; padding flips by direction."""


@task(name="greetbench/judge_probes")
def judge_probes(
    judge: str = "principle",
    probes: str | list[str] = "all",
    defended: bool = True,
    n: int = 40,
    data_dir: str | None = None,
    seed: int = 0,
    principles: str = DEFAULT_PRINCIPLES,
    stability_runs: int = 3,
    stability_temperature: float = 0.7,
    rm_checkpoint: str | None = None,
) -> Task:
    """Probe one judge's reliability; one metric family per probe (``<probe>_rate`` with Wilson CIs, ``<probe>_n``).

    The judge model comes from the required model role ``judge`` (``--model-role judge=...``); the policy model is
    not used (``--model none`` is fine). The debate judge runs with retrieval off here, to keep probes cheap.

    Args:
        judge: ``principle``, ``debate``, ``length`` or ``rm`` (see :data:`harness.probes.PROBE_JUDGES`).
        probes: ``all``, ``length``, ``attacks`` (padding, inflation, injection, repetition, meta-text, null), or
            a comma list of ``position``, ``length_pad``, ``length_inflate``, ``injection``, ``repetition``,
            ``meta_text``, ``null``, ``stability``.
        defended: Keep the principle judge's injection defenses (False: the plain prompt, the "before").
        n: Cases per probe (fewer when the data has too few suitable rows).
        data_dir: Folder holding the paper's data; defaults to ``$GREETBENCH_DATA_DIR`` or a fetched copy.
        seed: Seed of the case generators and of the stability probe's judge seeds.
        principles: Principles of the principle judge (bundled name or YAML path; its hash goes into the log).
        stability_runs: Judgements per greeting in the stability probe (different seeds).
        stability_temperature: Sampling temperature of the stability probe.
        rm_checkpoint: The reward-model judge's checkpoint folder, with its stored threshold (judge ``rm``).

    Raises:
        TaskArgumentError: An argument that cannot be used (unknown judge or probe, missing data), in one line.
    """
    with task_arguments():
        names = parse_probes(probes)
        settings = ProbeSettings(stability_runs=stability_runs, stability_temperature=stability_temperature, seed=seed)
        options = ProbeJudgeOptions(
            defended=defended, principles=principles, data_dir=data_dir, rm_checkpoint=rm_checkpoint
        )
        prepared = prepare_probe_judge(judge, options)  # fails fast on an unknown judge or impossible defenses
        dataset = probe_dataset(names, n, settings, data_dir)
    counts = Counter(sample.metadata["probe"] for sample in dataset if sample.metadata)
    return Task(
        dataset=dataset,
        solver=given_response(),
        scorer=probe(
            judge=judge, defended=defended, principles=principles, data_dir=data_dir, rm_checkpoint=rm_checkpoint
        ),
        metrics=[probe_rates(cases={name: counts.get(name, 0) for name in names})],
        version=TASK_VERSION,
        metadata={
            "judge": judge,
            "defended": defended,
            "probes": names,
            "probe_metrics": {name: PROBES[name].metric for name in names},
            "cases_per_probe": dict(counts),
            "n": n,
            "seed": seed,
            "stability_seeds": settings.stability_seeds,
            "stability_temperature": stability_temperature,
            "injection_forms": len(attack_forms("heldout", "injection")),
            "attack_form_split": split_record(),
            "eval_set": dataset.location,
            PROBED_JUDGE_KEY: prepared.metadata,
        },
    )
