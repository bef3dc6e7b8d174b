"""Loading principle files (YAML) and hashing them, so every log says which rules judged it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from harness.hashing import sha256_hex

DEFAULT_PRINCIPLES = "detector-v1"
"""Name of the bundled default: the paper's six initial detector rules, in our own words."""

_BUNDLED_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Rule:
    """One evaluation rule.

    Attributes:
        id: Short stable identifier (``purpose``, ``cliche``, ...).
        text: The rule as the judge reads it.
    """

    id: str
    text: str


@dataclass(frozen=True)
class Principles:
    """A named, hashed rule set.

    Attributes:
        name: The file's ``name`` field.
        rules: The rules in file order.
        sha256: SHA-256 of the file's bytes; any edit changes it.
        path: Where the rules were read from.
    """

    name: str
    rules: tuple[Rule, ...]
    sha256: str
    path: Path

    def as_numbered_list(self) -> str:
        """The rules as a numbered list, one per line, for a judge prompt."""
        return "\n".join(f"{i}. {rule.text}" for i, rule in enumerate(self.rules, start=1))

    def provenance(self) -> dict[str, str]:
        """What a log records about these principles."""
        return {"principles": self.name, "principles_sha256": self.sha256, "principles_path": str(self.path)}


def bundled_principles() -> dict[str, Path]:
    """Bundled principle files by name (``detector-v1`` -> ``detector_v1.yaml``)."""
    return {p.stem.replace("_", "-"): p for p in sorted(_BUNDLED_DIR.glob("*.yaml"))}


def load_principles(name_or_path: str | Path = DEFAULT_PRINCIPLES) -> Principles:
    """Load a principle file by bundled name or by path.

    The file is YAML with ``name`` (str) and ``rules`` (a non-empty list of ``{id, text}``);
    ``description`` is optional. Rule ids must be unique.

    Args:
        name_or_path: A bundled name such as ``detector-v1``, or a path to a YAML file.

    Returns:
        The parsed principles with the SHA-256 of the file's bytes.

    Raises:
        FileNotFoundError: Neither a bundled name nor an existing file.
        ValueError: The file is not valid YAML or a field is missing or malformed; the message names the
            file and the field.
    """
    bundled = bundled_principles()
    path = bundled.get(str(name_or_path)) or Path(name_or_path)
    if not path.is_file():
        raise FileNotFoundError(
            f"principles {str(name_or_path)!r}: no such file and not a bundled name ({', '.join(bundled)})"
        )
    raw = path.read_bytes()
    try:
        doc = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}{_yaml_location(exc)}: not valid YAML: {_yaml_problem(exc)}") from exc
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: expected a mapping with 'name' and 'rules'")
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{path}: field 'name' must be a non-empty string")
    items = doc.get("rules")
    if not isinstance(items, list) or not items:
        raise ValueError(f"{path}: field 'rules' must be a non-empty list")
    rules: list[Rule] = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise ValueError(f"{path}: rules[{i}] must be a mapping with 'id' and 'text'")
        for field in ("id", "text"):
            if not isinstance(item.get(field), str) or not item[field].strip():
                raise ValueError(f"{path}: rules[{i}].{field} must be a non-empty string")
        rules.append(Rule(id=item["id"].strip(), text=item["text"].strip()))
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: rule ids must be unique, got {ids}")
    return Principles(name=name.strip(), rules=tuple(rules), sha256=sha256_hex(raw), path=path)


def _yaml_location(error: yaml.YAMLError) -> str:
    """``:<line>:<column>`` (1-based) of a YAML error, or nothing when YAML gives no position."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""


def _yaml_problem(error: yaml.YAMLError) -> str:
    """What YAML found wrong, in one line (its own message repeats the file and draws the line)."""
    parts = [getattr(error, "context", None), getattr(error, "problem", None)]
    words = "; ".join(p for p in parts if p) or str(error)
    return " ".join(words.split())
