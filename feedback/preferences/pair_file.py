"""The pair file: the RM trainer's format (the released ``reward_data_train.json`` layout), each pair with its
provenance.

Each record is ``{"conversations": [{"from": "human", "value": <request>}], "chosen": {"from": "gpt", "value": ...},
"rejected": {"from": "gpt", "value": ...}, "provenance": {...}}``: a JSON array that ``greetbench train rm --pairs``,
:func:`trainers.data.read_preference_pairs` and :func:`harness.data.load_preference_pairs` read as it is (they
ignore the extra key). The provenance names the judge (its key: ``judgements/<key>.jsonl`` in the run folder holds
every judgement by trace id), the policy, the side rule, and each side's candidate number, verdict, P(good),
length and trace id.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from feedback.preferences.pairing import JudgedCandidate, MadePair, PairingSettings
from feedback.preferences.run_folder import write_text_atomically
from harness.data.loaders import HUMAN_ROLE

ASSISTANT_ROLE = "gpt"
"""The ``from`` of a greeting in the released pairs."""


def _side(judged: JudgedCandidate) -> dict[str, Any]:
    record = judged.judgement or {}
    return {
        "candidate": judged.candidate.index,
        "trace_id": record.get("trace_id"),
        "verdict": record.get("verdict"),
        "p_good": record.get("p_good"),
        "chars": judged.chars,
    }


def pair_record(pair: MadePair, *, judge_key: str, judge_name: str, policy: str, side_rule: str) -> dict[str, Any]:
    """One pair in the RM trainer's format, with its provenance."""
    return {
        "conversations": [{"from": HUMAN_ROLE, "value": pair.query.text}],
        "chosen": {"from": ASSISTANT_ROLE, "value": pair.chosen.text},
        "rejected": {"from": ASSISTANT_ROLE, "value": pair.rejected.text},
        "provenance": {
            "judge": judge_name,
            "judge_key": judge_key,
            "policy": policy,
            "side_rule": side_rule,
            "query_id": pair.query.id,
            "chosen": _side(pair.chosen),
            "rejected": _side(pair.rejected),
        },
    }


def write_pair_file(
    path: str | Path,
    pairs: list[MadePair],
    *,
    judge_key: str,
    judge_name: str,
    policy: str,
    pairing: PairingSettings,
) -> Path:
    """Write the pairs (atomically; an empty list writes ``[]``).

    Returns:
        The file.
    """
    records = [
        pair_record(pair, judge_key=judge_key, judge_name=judge_name, policy=policy, side_rule=pairing.rule())
        for pair in pairs
    ]
    target = Path(path)
    write_text_atomically(target, json.dumps(records, ensure_ascii=False, indent=1) + "\n")
    return target
