"""``greetbench make-preferences``: preference pairs by multi-agent rejection sampling (the paper's Path A data)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from feedback.preferences.judges import DEBATE_ARGUMENT_TOKENS, DEBATE_VERDICT_TOKENS, JUDGE_NAMES
from feedback.preferences.pairing import BALANCES
from feedback.preferences.queries import QUERY_SOURCES
from harness.errors import UserInputError
from harness.principles import DEFAULT_PRINCIPLES


def _key_values(pairs: tuple[str, ...], hint: str) -> dict[str, str]:
    bad = [p for p in pairs if "=" not in p]
    if bad:
        raise click.BadParameter(f"expected KEY=VALUE, got {bad}", param_hint=hint)
    return dict(p.split("=", 1) for p in pairs)


@click.command("make-preferences")
@click.option(
    "--run-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The run folder: every finished sample and judgement is written there; a rerun resumes from it.",
)
@click.option("--policy", default="embedded", show_default=True, help="Policy: 'embedded' or any Inspect model.")
@click.option("-M", "--policy-arg", "policy_args", multiple=True, metavar="KEY=VALUE", help="Policy model argument.")
@click.option("--k", "k", default=4, show_default=True, type=click.IntRange(min=2), help="Candidates per request.")
@click.option(
    "--queries",
    default="random",
    show_default=True,
    help=f"Requests: {', '.join(QUERY_SOURCES)} (the paper's random_query.txt, GRPO splits, bundled list) or a file "
    "(one per line, or JSON Lines with a 'query' field).",
)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=0), help="Requests to use (0: all).")
@click.option("--offset", default=0, show_default=True, type=click.IntRange(min=0), help="Requests to skip first.")
@click.option("--temperature", default=1.0, show_default=True, type=click.FloatRange(min=0), help="Policy sampling.")
@click.option(
    "--max-tokens", default=128, show_default=True, type=click.IntRange(min=1), help="Most tokens a candidate."
)
@click.option(
    "--seed",
    default=42,
    show_default=True,
    type=int,
    help="Run seed; each candidate's seed is derived from it, the request and its number.",
)
@click.option(
    "--unseeded", is_flag=True, help="Send no seed (a local provider may batch the k calls; not reproducible)."
)
@click.option("--judge", default="principle", show_default=True, type=click.Choice(JUDGE_NAMES), help="The judge.")
@click.option("--judge-model", default="embedded", show_default=True, help="The LLM judge's model.")
@click.option("-J", "--judge-arg", "judge_args", multiple=True, metavar="KEY=VALUE", help="Judge model argument.")
@click.option("--principles", default=DEFAULT_PRINCIPLES, show_default=True, help="Principle judge: rules.")
@click.option(
    "--judge-reason/--no-judge-reason",
    default=False,
    show_default=True,
    help="Principle judge: a reason with the verdict, or the verdict word alone (P(good) mode, one forward pass).",
)
@click.option(
    "--debate-argument-tokens",
    default=DEBATE_ARGUMENT_TOKENS,
    show_default=True,
    type=click.IntRange(min=1),
    help="Debate judge: cap on each debating agent's argument.",
)
@click.option(
    "--debate-verdict-tokens",
    default=DEBATE_VERDICT_TOKENS,
    show_default=True,
    type=click.IntRange(min=1),
    help="Debate judge: cap on the judge and reflect agents' outputs.",
)
@click.option("--retrieval/--no-retrieval", default=True, show_default=True, help="Debate judge: retrieved examples.")
@click.option("--rm-checkpoint", default=None, help="RM judge: a reward-model checkpoint with its threshold.")
@click.option(
    "--threshold",
    default=None,
    type=click.FloatRange(0, 1),
    help="Good iff P(good) >= THRESHOLD (default: the judge's verdict).",
)
@click.option(
    "--min-gap",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Least P(good) margin of chosen over rejected.",
)
@click.option(
    "--balance",
    default="none",
    show_default=True,
    type=click.Choice(BALANCES),
    help="none; ratio: lengths within --max-length-ratio; half: chosen longer in half of the pairs.",
)
@click.option(
    "--max-length-ratio",
    default=0.1,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="The ratio balance: |chosen - rejected| <= ratio x the longer, in characters.",
)
@click.option("--keep-truncated", is_flag=True, help="Pair candidates cut at --max-tokens too.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Pair file; default <run-dir>/pairs.json.")
@click.option(
    "--concurrency", default=8, show_default=True, type=click.IntRange(min=1), help="Calls in flight at once."
)
@click.option(
    "--retries", default=1, show_default=True, type=click.IntRange(min=0), help="Further attempts of a failed call."
)
@click.option(
    "--data-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The paper's data folder (default: $GREETBENCH_DATA_DIR or a fetched copy).",
)
def make_preferences(**options: Any) -> None:
    """Sample k greetings per request from a policy, judge each, and pair judged-good with judged-bad.

    Writes the pair file in the reward-model trainer's format, each pair with its provenance (judge, verdicts,
    P(good), trace ids), and beside it <stem>.report.json / .report.md: counts, how often the judge's choice is the
    longer greeting, the pairs' length balance, the cost. Rerun the same command to resume; change only the pairing
    options (--threshold, --min-gap, --balance, --out) to re-pair without a model call. Train on the pairs:
    greetbench train rm --config <preset> --pairs <file>.
    """
    from feedback.preferences.judges import JudgeSettings
    from feedback.preferences.make import PreferenceRunConfig, make_preference_pairs
    from feedback.preferences.pairing import PairingSettings
    from feedback.preferences.report import summary_lines
    from feedback.preferences.run_folder import RunFolderError
    from feedback.preferences.sampling import SamplingSettings
    from harness.data import DataError

    try:
        config = PreferenceRunConfig(
            run_dir=options["run_dir"],
            policy=options["policy"],
            policy_args=_key_values(options["policy_args"], "-M"),
            sampling=SamplingSettings(
                k=options["k"],
                temperature=options["temperature"],
                max_tokens=options["max_tokens"],
                seed=None if options["unseeded"] else options["seed"],
            ),
            judge=JudgeSettings(
                name=options["judge"],
                model=options["judge_model"],
                model_args=_key_values(options["judge_args"], "-J"),
                principles=options["principles"],
                reason=options["judge_reason"],
                debate_argument_tokens=options["debate_argument_tokens"],
                debate_verdict_tokens=options["debate_verdict_tokens"],
                retrieval=options["retrieval"],
                rm_checkpoint=options["rm_checkpoint"],
            ),
            pairing=PairingSettings(
                threshold=options["threshold"],
                min_gap=options["min_gap"],
                balance=options["balance"],
                max_length_ratio=options["max_length_ratio"],
                keep_truncated=options["keep_truncated"],
                seed=options["seed"],
            ),
            queries=options["queries"],
            limit=options["limit"] or None,
            offset=options["offset"],
            data_dir=str(options["data_dir"]) if options["data_dir"] else None,
            out=options["out"],
            concurrency=options["concurrency"],
            retries=options["retries"],
        )
        result = make_preference_pairs(config, log=lambda line: click.echo(f"[greetbench] {line}", err=True))
    except (ValueError, FileNotFoundError, RunFolderError, DataError) as err:
        raise UserInputError(err) from None
    for line in summary_lines(result.report):
        click.echo(line)
    click.echo(f"pair file  {result.pair_file}")
    click.echo(f"report     {result.report_md}")
    sessions = result.report["this_session"]
    failed = sessions["sampling"]["failed"] + sessions["judging"]["failed"]
    if failed:
        click.echo(f"{failed} model call(s) failed and were left for the next run: rerun the same command", err=True)
        sys.exit(1)
    if result.report["no_pairs"]:
        sys.exit(1)
    if result.report["pairs"]:
        click.echo(f"train      greetbench train rm --config rm-embedded-cheap --pairs {result.pair_file}")
