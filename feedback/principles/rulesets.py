"""Rule sets the optimizers write: read from a role's JSON, checked, rendered as a principles YAML with its lineage.

A candidate rule set lives in memory as :class:`~harness.principles.Principles` whose ``sha256`` is that of the
YAML it would be written as (without lineage), so the Detector's cache knows two candidates with the same rules as
one. The file finally written adds a ``lineage`` mapping (parent hash, iteration, run folder, optimizer), which
``load_principles`` ignores and every log's principles hash covers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from harness.hashing import sha256_hex
from harness.principles import Principles, Rule, load_principles

MAX_RULES = 10
"""At most this many rules in a rule set (the paper's cap)."""

MAX_RULE_CHARS = 200
"""A rule longer than this is a malformed output (a model pasting its reasoning), not a rule."""

IN_MEMORY = Path("<in memory>")
"""``Principles.path`` of a candidate that has not been written."""

_NUMBERED = re.compile(r"^\s*(?:\d+[.、)）]|[-*•])\s*")
_ID_PREFIX = re.compile(r"^([a-z][a-z0-9_-]{0,31})\s*[:：]\s*(.+)$")


class RuleSetError(ValueError):
    """A role's output that is not a usable rule set; the message says what is wrong, in one line."""


def rules_from_items(items: Any) -> tuple[Rule, ...]:
    """Check a rule list from a role's JSON: ``[{"id", "text"}, ...]`` (plain strings get ids ``rule_1`` ...).

    Raises:
        RuleSetError: Not a non-empty list, over :data:`MAX_RULES` rules, an empty or over-long text, a text that
            repeats an earlier rule's (a degenerate merge), or duplicate ids.
    """
    if not isinstance(items, list) or not items:
        raise RuleSetError("'rules' must be a non-empty list")
    if len(items) > MAX_RULES:
        raise RuleSetError(f"{len(items)} rules: at most {MAX_RULES}")
    rules = []
    for i, item in enumerate(items, start=1):
        if isinstance(item, str):
            item = {"id": f"rule_{i}", "text": item}
        if not isinstance(item, Mapping):
            raise RuleSetError(f"rules[{i}] must be an object with 'id' and 'text' or a string")
        rule_id, text = str(item.get("id") or f"rule_{i}").strip(), str(item.get("text") or "").strip()
        if not text:
            raise RuleSetError(f"rules[{i}].text is empty")
        if len(text) > MAX_RULE_CHARS:
            raise RuleSetError(f"rules[{i}].text has {len(text)} characters: at most {MAX_RULE_CHARS}")
        earlier = next((j for j, rule in enumerate(rules, start=1) if rule.text == text), None)
        if earlier is not None:
            raise RuleSetError(f"rules[{i}].text repeats rules[{earlier}]")
        rules.append(Rule(id=rule_id, text=text))
    ids = [rule.id for rule in rules]
    if len(set(ids)) != len(ids):
        raise RuleSetError(f"rule ids must be unique, got {ids}")
    return tuple(rules)


def rules_as_text(rules: Sequence[Rule]) -> str:
    """One rule a line, ``<n>. <id>: <text>``: how a rule set is shown to a role and how GEPA holds it."""
    return "\n".join(f"{i}. {rule.id}: {rule.text}" for i, rule in enumerate(rules, start=1))


def rules_from_text(text: str) -> tuple[Rule, ...]:
    """Read a rule set written one rule a line (:func:`rules_as_text`'s form; numbering and ``id:`` optional).

    Blank lines and a surrounding code fence are skipped.

    Raises:
        RuleSetError: As :func:`rules_from_items`.
    """
    items: list[Any] = []
    for line in text.strip().strip("`").splitlines():
        line = _NUMBERED.sub("", line).strip()
        if not line or line.startswith("```"):
            continue
        found = _ID_PREFIX.match(line)
        items.append({"id": found.group(1), "text": found.group(2)} if found else line)
    return rules_from_items(items)


def rules_yaml(name: str, rules: Sequence[Rule], lineage: Mapping[str, Any] | None = None) -> str:
    """The principles YAML of a rule set (what ``--principles`` loads), with its lineage when given."""
    doc: dict[str, Any] = {"name": name, "rules": [{"id": rule.id, "text": rule.text} for rule in rules]}
    if lineage:
        doc["lineage"] = dict(lineage)
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000)


def candidate(name: str, rules: Sequence[Rule]) -> Principles:
    """A rule set in memory, hashed as the YAML it would be written as (no lineage)."""
    return Principles(
        name=name, rules=tuple(rules), sha256=sha256_hex(rules_yaml(name, rules).encode()), path=IN_MEMORY
    )


def write_principles(path: Path, name: str, rules: Sequence[Rule], lineage: Mapping[str, Any]) -> Principles:
    """Write a rule set as a principles file (atomically) and load it back as the judge will.

    Returns:
        The principles as ``load_principles`` reads them (their hash is the written file's).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_text(rules_yaml(name, rules, lineage), encoding="utf-8")
    os.replace(partial, path)
    return load_principles(path)
