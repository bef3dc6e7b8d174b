"""Typed, validated loaders for each file of the greeting data set and for the bundled request list."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from harness.data.errors import DataError, describe_value
from harness.data.records import Records, load_records, read_text

#: The paper's policy prompt: a request for exactly one greeting (full-width colon), followed by the query.
POLICY_PROMPT_PREFIX = "请只生成一条祝福语："

#: The labels of the evaluation set: 1 = good greeting, 0 = bad.
LABELS = (0, 1)

#: The bundled request list, a package resource of ``harness.data``.
BUNDLED_PROMPTS_RESOURCE = "bundled_prompts.jsonl"

#: The turn author whose text is the prompt of a preference pair.
HUMAN_ROLE = "human"

#: The chat role whose content is the prompt of a GRPO row.
USER_ROLE = "user"


@dataclass(frozen=True)
class LabelledGreeting:
    """One row of the evaluation set: a request, a greeting, and its human-preference label.

    Attributes:
        query: The greeting request, as written in the file.
        response: The greeting, as written in the file.
        label: 1 (good) or 0 (bad).
        line: The row's 1-based line (JSON Lines) or 0-based item index (JSON array).
    """

    query: str
    response: str
    label: int
    line: int


@dataclass(frozen=True)
class PreferencePair:
    """One reward-model pair: a prompt with a preferred and a dispreferred greeting.

    Attributes:
        prompt: The human turn's text.
        chosen: The preferred greeting. May equal ``rejected`` (13 such pairs exist upstream); the trainer decides.
        rejected: The dispreferred greeting.
        line: The pair's 0-based item index (JSON array) or 1-based line (JSON Lines).
    """

    prompt: str
    chosen: str
    rejected: str
    line: int


@dataclass(frozen=True)
class SftExample:
    """One supervised fine-tuning example.

    Attributes:
        instruction: The instruction, with a non-empty ``input`` appended after a newline.
        output: The target greeting.
        line: The example's 0-based item index (JSON array) or 1-based line (JSON Lines).
    """

    instruction: str
    output: str
    line: int


@dataclass(frozen=True)
class GreetingRequest:
    """A request for one greeting, as the policy sees it.

    Attributes:
        query: The bare request (e.g. ``妈妈生日祝福语``).
        prompt: The full user message (``POLICY_PROMPT_PREFIX + query`` for paper-style prompts).
        index: The 0-based position in its source (parquet row, or bundled-list entry).
        category: The occasion's category where the source names one (the bundled list), else None.
    """

    query: str
    prompt: str
    index: int
    category: str | None = None


def policy_prompt(query: str) -> str:
    """Return the paper's policy prompt for ``query``: ``POLICY_PROMPT_PREFIX + query``."""
    return POLICY_PROMPT_PREFIX + query


def strip_policy_prefix(content: str) -> str:
    """Return ``content`` without a leading ``POLICY_PROMPT_PREFIX``; other text is returned unchanged."""
    return content.removeprefix(POLICY_PROMPT_PREFIX)


def load_eval_set(path: str | Path) -> list[LabelledGreeting]:
    """Load the labelled evaluation set (``evaluation_set/evaluate_data.json``, JSON Lines despite its name).

    Each record needs a non-blank string ``query`` and ``response`` and an integer ``label`` of 0 or 1 (``true`` /
    ``false``, ``1.0`` and ``"1"`` are refused). Texts are kept as written; extra fields are ignored; duplicate
    and conflicting rows are loaded (see ``harness.data.checks``).

    Args:
        path: A JSON Lines or JSON array file.

    Returns:
        One LabelledGreeting per record, in file order.

    Raises:
        DataError: Naming the file, line and field of the first bad record.
    """
    records = load_records(path)
    return [
        LabelledGreeting(
            query=_text(records, number, obj, "query"),
            response=_text(records, number, obj, "response"),
            label=_label(records, number, obj),
            line=number,
        )
        for number, obj in records.rows
    ]


def load_preference_pairs(path: str | Path) -> list[PreferencePair]:
    """Load reward-model pairs (``reward_model/reward_data_{train,test}.json``).

    Record shape: ``{"conversations": [{"from": "human", "value": ...}], "chosen": {"from", "value"},
    "rejected": {"from", "value"}}``. The prompt is the value of the last ``human`` turn (earlier turns, if any,
    are dropped; none exist upstream). ``chosen`` and ``rejected`` must be objects with a non-blank string
    ``value``; their ``from`` is not checked. Pairs whose two sides are identical are loaded, not refused.

    Args:
        path: A JSON array or JSON Lines file.

    Returns:
        One PreferencePair per record, in file order.

    Raises:
        DataError: Naming the file, item and field of the first bad record (e.g. a missing ``rejected``, or a
            conversation with no human turn).
    """
    records = load_records(path)
    return [
        PreferencePair(
            prompt=_human_prompt(records, number, obj),
            chosen=_side(records, number, obj, "chosen"),
            rejected=_side(records, number, obj, "rejected"),
            line=number,
        )
        for number, obj in records.rows
    ]


def load_sft_examples(path: str | Path) -> list[SftExample]:
    """Load supervised fine-tuning examples (``sft/sft_data.json``, Alpaca style).

    Each record needs non-blank string ``instruction`` and ``output``. ``input`` may be missing or a string; when it
    is not blank it is appended to the instruction after a newline.

    Args:
        path: A JSON array or JSON Lines file.

    Returns:
        One SftExample per record, in file order.

    Raises:
        DataError: Naming the file, item and field of the first bad record.
    """
    records = load_records(path)
    examples = []
    for number, obj in records.rows:
        instruction = _text(records, number, obj, "instruction")
        extra = obj.get("input", "")
        if not isinstance(extra, str):
            raise records.error(number, f"must be a string, got {describe_value(extra)}", "input")
        if extra.strip():
            instruction = f"{instruction}\n{extra}"
        examples.append(SftExample(instruction, _text(records, number, obj, "output"), number))
    return examples


def load_grpo_requests(path: str | Path) -> list[GreetingRequest]:
    """Load GRPO prompts (``grpo_data/{train,test}.parquet``) with polars.

    The ``prompt`` column holds a list of ``{content, role}`` messages; the last ``user`` message is the prompt.
    ``query`` is that content without a leading ``POLICY_PROMPT_PREFIX`` (full-width colon); content without the
    prefix is kept whole as the query. Other columns are ignored.

    Args:
        path: A parquet file.

    Returns:
        One GreetingRequest per row; ``index`` is the 0-based row index.

    Raises:
        DataError: The file is missing or not parquet, lacks a ``prompt`` column, or a row (named by its 0-based
            index) has no non-blank user message or an empty query after the prefix.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found")
    try:
        frame = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as err:
        raise DataError(path, f"not a readable parquet file: {err}") from None
    if "prompt" not in frame.columns:
        raise DataError(path, f"is missing (columns: {', '.join(frame.columns)})", field="prompt")
    requests = []
    for index, messages in enumerate(frame.get_column("prompt").to_list()):
        content = _user_content(path, index, messages)
        query = strip_policy_prefix(content)
        if not query.strip():
            raise DataError(path, "holds the policy prefix but no query", line=index, field="prompt", unit="row")
        requests.append(GreetingRequest(query=query, prompt=content, index=index))
    return requests


def load_random_queries(path: str | Path) -> list[str]:
    """Load ``random_query.txt``: one query per line.

    Lines are stripped; blank lines are skipped; repeats are kept (upstream has many). A missing final newline is
    fine.

    Args:
        path: A UTF-8 text file.

    Returns:
        The queries in file order.

    Raises:
        DataError: The file is missing, unreadable or not UTF-8.
    """
    return [line.strip() for line in read_text(path).split("\n") if line.strip()]


def load_bundled_requests() -> list[GreetingRequest]:
    """Load the project's own greeting requests (``harness/data/bundled_prompts.jsonl``).

    About forty requests written for this project (not taken from the paper's data): family, friend and colleague
    birthdays, festivals, weddings, exams, promotions, moving house, recovery, retirement, new babies, and cases
    that need tact. Each line is ``{"query", "category"}``; the prompt is ``policy_prompt(query)``.

    Returns:
        One GreetingRequest per line; ``index`` is the 0-based position in the list.

    Raises:
        DataError: The bundled file is malformed (a packaging bug).
    """
    resource = resources.files("harness.data").joinpath(BUNDLED_PROMPTS_RESOURCE)
    with resources.as_file(resource) as path:
        records = load_records(path)
    requests = []
    for index, (number, obj) in enumerate(records.rows):
        query = _text(records, number, obj, "query")
        category = _text(records, number, obj, "category")
        requests.append(GreetingRequest(query=query, prompt=policy_prompt(query), index=index, category=category))
    return requests


def _text(records: Records, number: int, obj: dict[str, Any], field: str, *, where: str | None = None) -> str:
    """Return ``obj[field]`` if it is a non-blank string; ``where`` names the field in messages if given."""
    name = where or field
    if field not in obj:
        raise records.error(number, "is missing", name)
    value = obj[field]
    if not isinstance(value, str):
        raise records.error(number, f"must be a string, got {describe_value(value)}", name)
    if not value.strip():
        raise records.error(number, f"must not be empty, got {describe_value(value)}", name)
    return value


def _label(records: Records, number: int, obj: dict[str, Any]) -> int:
    if "label" not in obj:
        raise records.error(number, "is missing", "label")
    value = obj["label"]
    if isinstance(value, bool) or not isinstance(value, int) or value not in LABELS:
        kind = " (a boolean)" if isinstance(value, bool) else ""
        raise records.error(number, f"must be 0 or 1, got {describe_value(value)}{kind}", "label")
    return value


def _side(records: Records, number: int, obj: dict[str, Any], field: str) -> str:
    if field not in obj:
        raise records.error(number, "is missing", field)
    side = obj[field]
    if not isinstance(side, dict):
        raise records.error(number, f"must be an object with a 'value', got {describe_value(side)}", field)
    return _text(records, number, side, "value", where=f"{field}.value")


def _human_prompt(records: Records, number: int, obj: dict[str, Any]) -> str:
    if "conversations" not in obj:
        raise records.error(number, "is missing", "conversations")
    turns = obj["conversations"]
    if not isinstance(turns, list) or not turns:
        raise records.error(number, f"must be a non-empty list, got {describe_value(turns)}", "conversations")
    for position, turn in enumerate(turns):
        if not isinstance(turn, dict):
            raise records.error(number, f"must be an object, got {describe_value(turn)}", f"conversations[{position}]")
    for position in reversed(range(len(turns))):
        if turns[position].get("from") == HUMAN_ROLE:
            return _text(records, number, turns[position], "value", where=f"conversations[{position}].value")
    raise records.error(number, f"has no turn from {HUMAN_ROLE!r}", "conversations")


def _user_content(path: Path, index: int, messages: Any) -> str:
    def fail(detail: str) -> DataError:
        return DataError(path, detail, line=index, field="prompt", unit="row")

    if not isinstance(messages, list) or not messages:
        raise fail(f"must be a non-empty list of messages, got {describe_value(messages)}")
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == USER_ROLE:
            content = message.get("content")
            if not isinstance(content, str) or not content.strip():
                raise fail(f"has a user message with no text, got {describe_value(content)}")
            return content
    raise fail(f"has no message with role {USER_ROLE!r}")
