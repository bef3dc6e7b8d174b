"""Writing leaderboards: schema-valid JSON with provenance, CSV, Markdown and escaped HTML."""

from __future__ import annotations

import copy
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import polars as pl
import pytest
from leaderboard_logs import HOSTILE, JUDGE_REASON, MadeLogs

from harness.leaderboard import BuildInputs, build_leaderboard
from harness.leaderboard.render import (
    OUTPUT_FILES,
    content_security_policy,
    leaderboard_schema,
    md,
    validate_leaderboard,
    write_leaderboard,
)
from harness.leaderboard.table import Leaderboard
from harness.principles import load_principles


@pytest.fixture(scope="module")
def board(made_logs: MadeLogs) -> Leaderboard:
    folders = [made_logs.root / name for name in ("main", "broken", "limited", "errored")]
    return build_leaderboard(BuildInputs(logs=folders, use_registry=False))


@pytest.fixture(scope="module")
def written(board: Leaderboard, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_leaderboard(board, tmp_path_factory.mktemp("out") / "greetings")


def test_writes_the_four_outputs(written: dict[str, Path]) -> None:
    assert sorted(written) == sorted(OUTPUT_FILES)
    assert all(path.stat().st_size > 0 for path in written.values())


def test_json_is_schema_valid_with_provenance(written: dict[str, Path], made_logs: MadeLogs) -> None:
    data = json.loads(written["leaderboard.json"].read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(leaderboard_schema())
    validate_leaderboard(data)
    assert data["schema_version"] == 1 and data["benchmark"] == "greetings"
    provenance = data["provenance"]
    assert set(provenance["packages"]) == {"inspect-ai", "greetbench", "torch", "transformers", "polars"}
    assert provenance["principles_sha256"] == [load_principles().sha256]
    assert {"judge": "mockllm/judge"} in provenance["judge_models"]
    hashes = {entry["log"]: entry["sha256"] for entry in provenance["logs"]}
    from harness.hashing import sha256_file

    assert hashes[made_logs.main["null/echo"].name] == sha256_file(made_logs.main["null/echo"])
    main = data["groups"][0]
    assert main["id"] == "main" and main["primary"] and main["config"]["prompt_count"] == 6
    first = main["rows"][0]
    assert set(first["judges"]) == {"principle_judge", "rival_judge", "length_judge", "constant_judge", "panel"}
    assert first["judges"]["panel"]["other"] == {"member_agreement": 1.0}
    assert set(first["creativity"]) >= {"mean_length", "distinct_1", "distinct_2", "self_bleu"}
    assert data["sanity"]["ok"] is False and data["sanity"]["unchecked_groups"] == ["g3"]
    null_empty = next(r for r in main["rows"] if r["model"] == "null/empty")
    assert null_empty["creativity"]["distinct_1"] is None  # NaN is written as null


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("schema_version",), 2),
        (("groups", 0, "rows", 0, "judges", "panel", "rate"), 1.5),
        (("groups", 0, "rows", 0, "kind"), "celebrity"),
        (("groups", 0, "rows", 0, "log_sha256"), "not-a-hash"),
        (("groups", 0, "rows", 0, "rank"), 0),
        (("provenance", "logs", 0, "status"), "maybe"),
    ],
)
def test_schema_rejects_malformed_leaderboards(written: dict[str, Path], path: tuple, value: object) -> None:
    data = copy.deepcopy(json.loads(written["leaderboard.json"].read_text(encoding="utf-8")))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        validate_leaderboard(data)


def test_schema_rejects_missing_provenance(written: dict[str, Path]) -> None:
    data = json.loads(written["leaderboard.json"].read_text(encoding="utf-8"))
    del data["provenance"]
    with pytest.raises(jsonschema.ValidationError, match="provenance"):
        validate_leaderboard(data)


def test_csv_has_one_line_per_row(written: dict[str, Path], board: Leaderboard) -> None:
    frame = pl.read_csv(io.StringIO(written["leaderboard.csv"].read_text(encoding="utf-8")))
    assert frame.height == board.table.height == 9
    assert frame.columns[:4] == ["group", "row", "rank", "model"]
    assert frame.filter(pl.col("model") == "mockllm/plain")["principle_judge"].to_list() == [0.5, 0.5]


def test_markdown_tables(written: dict[str, Path]) -> None:
    text = written["leaderboard.md"].read_text(encoding="utf-8")
    assert "## Leaderboard" in text and "## Listed apart: group g2" in text
    assert "Broken judges" in text and "null/echo (1.000) outranks mockllm/plain (0.500)" in text
    assert "| 1 | mockllm/hostile |" in text and "0.500 [0.188, 0.812]" in text


def test_markdown_escapes_cells() -> None:
    assert md("<b>x</b> | y") == "&lt;b&gt;x&lt;/b&gt; \\| y"
    assert md("a\nb_c*") == "a b\\_c\\*"


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts, self.handlers, self.text = 0, [], []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        self.handlers += [value for _, value in attrs if value and value.strip().lower().startswith("javascript:")]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_escapes_every_untrusted_text(written: dict[str, Path]) -> None:
    page = written["index.html"].read_text(encoding="utf-8")
    parser = _Elements()
    parser.feed(page)
    assert parser.scripts == 1  # the page's own sorter, nothing injected
    assert parser.handlers == []
    text = "".join(parser.text)
    assert HOSTILE in text and JUDGE_REASON in text  # shown, as text
    assert "<script>document" not in page and "<img" not in page


def test_html_policy_allows_only_the_pages_own_script_and_style() -> None:
    policy = content_security_policy("js", "css")
    assert policy.startswith("default-src 'none'; script-src 'sha256-")
    assert "unsafe-inline" not in policy


def test_hostile_model_name_in_every_output(made_logs: MadeLogs, tmp_path: Path) -> None:
    from leaderboard_logs import rewrite

    name = '=HYPERLINK("http://x")<script>alert(1)</script>|'  # a spreadsheet formula and markup
    renamed = rewrite(made_logs.main["mockllm/warm"], tmp_path / "renamed.eval", model=name)
    board = build_leaderboard(BuildInputs(logs=[renamed, made_logs.main["null/echo"]], use_registry=False))
    paths = write_leaderboard(board, tmp_path / "out")
    page = paths["index.html"].read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in paths["leaderboard.md"].read_text(encoding="utf-8")
    csv = pl.read_csv(io.StringIO(paths["leaderboard.csv"].read_text(encoding="utf-8")))
    assert csv["model"].to_list()[0] == "'" + name  # read as text, not run as a formula
    validate_leaderboard(json.loads(paths["leaderboard.json"].read_text(encoding="utf-8")))


def test_builds_are_reproducible(board: Leaderboard, tmp_path: Path) -> None:
    first = write_leaderboard(board, tmp_path / "a")
    second = write_leaderboard(board, tmp_path / "b")
    for name in OUTPUT_FILES:
        assert first[name].read_bytes() == second[name].read_bytes(), name


def test_sample_browser_limit(board: Leaderboard, tmp_path: Path) -> None:
    page = write_leaderboard(board, tmp_path, sample_limit=2)["index.html"].read_text(encoding="utf-8")
    assert "2 of 6 samples" in page and "at most 2 per run" in page
