import hashlib
from pathlib import Path

import pytest

from harness.principles import DEFAULT_PRINCIPLES, load_principles


def test_default_principles_are_the_six_detector_rules() -> None:
    rules = load_principles(DEFAULT_PRINCIPLES)
    assert rules.name == "detector-v1"
    assert [r.id for r in rules.rules] == ["purpose", "sincerity", "fit", "cliche", "correctness", "care"]
    assert rules.sha256 == hashlib.sha256(rules.path.read_bytes()).hexdigest()
    assert rules.as_numbered_list().splitlines()[0].startswith("1. ")


def test_custom_file_and_hash_changes_with_content(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nrules:\n  - {id: a, text: 简洁}\n", encoding="utf-8")
    first = load_principles(path)
    path.write_text("name: mine\nrules:\n  - {id: a, text: 简洁明了}\n", encoding="utf-8")
    second = load_principles(path)
    assert first.name == second.name == "mine"
    assert first.sha256 != second.sha256
    assert second.provenance()["principles_sha256"] == second.sha256


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("rules: [{id: a, text: b}]", "field 'name'"),
        ("name: x\nrules: []", "field 'rules'"),
        ("name: x\nrules: [{id: a}]", "rules[1].text"),
        ("name: x\nrules: [{id: a, text: b}, {id: a, text: c}]", "unique"),
        ("name: [unclosed", "not valid YAML"),
        ("- just a list", "mapping"),
    ],
)
def test_malformed_principles_name_the_field(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match="bad.yaml") as err:
        load_principles(path)
    assert message in str(err.value)


def test_unknown_name() -> None:
    with pytest.raises(FileNotFoundError, match="detector-v1"):
        load_principles("no-such-rules")


def test_malformed_yaml_is_one_line_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: mine\nrules: [\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid YAML") as caught:
        load_principles(path)
    assert str(caught.value).startswith(f"{path}:3:1: not valid YAML: ") and "\n" not in str(caught.value)
