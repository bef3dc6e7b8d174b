"""`greetbench leaderboard build | add | publish` through click."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from leaderboard_logs import MadeLogs

from harness.leaderboard.commands import EXIT_BROKEN_JUDGE, EXIT_REFUSED, leaderboard


def _run(*args: str | Path):
    return CliRunner().invoke(leaderboard, [str(a) for a in args], catch_exceptions=False)


def test_cli_has_the_leaderboard_group() -> None:
    from greetbench.cli import cli

    assert cli.commands["leaderboard"] is leaderboard


def test_build_writes_outputs_and_says_which_judge_is_broken(made_logs: MadeLogs, tmp_path: Path) -> None:
    result = _run("build", made_logs.main_dir, made_logs.root / "broken", "--no-registry", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "index.html",
        "leaderboard.csv",
        "leaderboard.json",
        "leaderboard.md",
    ]
    assert "BROKEN JUDGE" in result.stderr
    assert "under principle_judge, null model null/echo (1.000) outranks mockllm/plain (0.500)" in result.stderr
    assert "listed apart (g2): not comparable with the main table: judge models" in result.stdout


def test_build_strict_fails_on_a_broken_judge(made_logs: MadeLogs, tmp_path: Path) -> None:
    broken = _run("build", made_logs.root / "broken", "--no-registry", "--out", tmp_path, "--strict")
    assert broken.exit_code == EXIT_BROKEN_JUDGE
    sane = _run("build", made_logs.main_dir, "--no-registry", "--out", tmp_path, "--strict")
    assert sane.exit_code == 0 and "BROKEN JUDGE" not in sane.stderr


def test_build_without_logs_is_a_usage_error(tmp_path: Path) -> None:
    result = _run("build", "--root", tmp_path)
    assert result.exit_code == 2 and "no logs" in result.stderr


def test_add_then_build_from_the_registry(made_logs: MadeLogs, tmp_path: Path) -> None:
    root = tmp_path / "leaderboards"
    added = _run("add", made_logs.main["mockllm/warm"], made_logs.main["null/echo"], "--root", root)
    assert added.exit_code == 0, added.output
    assert "this first log sets the benchmark's configuration" in added.stdout and "2 added, 0 refused" in added.stdout

    refused = _run("add", made_logs.broken["mockllm/plain"], made_logs.errored, "--root", root)
    assert refused.exit_code == EXIT_REFUSED
    assert f"refused {made_logs.broken['mockllm/plain']}:" in refused.stderr
    assert "judge models: judge=mockllm/judge-len (expected judge=mockllm/judge)" in refused.stderr
    assert "errored: Model role 'judge' is required" in refused.stderr

    built = _run("build", "--root", root)
    assert built.exit_code == 0, built.output
    data = json.loads((root / "greetings" / "leaderboard.json").read_text(encoding="utf-8"))
    assert [r["model"] for r in data["groups"][0]["rows"]] == ["mockllm/warm", "null/echo"]


def test_publish_with_cards_and_bundled_logs(made_logs: MadeLogs, tmp_path: Path) -> None:
    cards = tmp_path / "report" / "cards"
    cards.mkdir(parents=True)
    (cards / "principle_judge.md").write_text("# principle_judge\n", encoding="utf-8")
    (cards / "principle_judge_length.png").write_bytes(b"png")
    site = tmp_path / "site"
    result = _run(
        "publish", made_logs.main_dir, "--no-registry", "--out", site, "--cards", tmp_path / "report", "--bundle-logs"
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (site / "cards").iterdir()) == ["principle_judge.md", "principle_judge_length.png"]
    assert (site / "logs" / "index.html").is_file()
    assert len(list((site / "logs" / "logs").glob("*.eval"))) == 6  # the ranked runs, not the superseded one
    data = json.loads((site / "leaderboard.json").read_text(encoding="utf-8"))
    [principle] = [j for j in data["groups"][0]["judges"] if j["name"] == "principle_judge"]
    assert principle["card"] == "cards/principle_judge.md"
    page = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="cards/principle_judge.md"' in page and 'href="logs/index.html"' in page
    assert (site / ".nojekyll").exists()


def test_build_without_cards_keeps_the_boards_card_links(made_logs: MadeLogs, tmp_path: Path) -> None:
    cards = tmp_path / "report" / "cards"
    cards.mkdir(parents=True)
    (cards / "principle_judge.md").write_text("# principle_judge\n", encoding="utf-8")
    board = tmp_path / "board"

    def principle_card() -> str | None:
        data = json.loads((board / "leaderboard.json").read_text(encoding="utf-8"))
        return next(j["card"] for j in data["groups"][0]["judges"] if j["name"] == "principle_judge")

    first = _run("build", made_logs.main_dir, "--no-registry", "--out", board, "--cards", tmp_path / "report")
    assert first.exit_code == 0, first.output
    assert principle_card() == "../report/cards/principle_judge.md"
    again = _run("build", made_logs.main_dir, "--no-registry", "--out", board)
    assert again.exit_code == 0, again.output
    assert "kept 1 card link(s)" in again.stdout and principle_card() == "../report/cards/principle_judge.md"
    assert 'href="../report/cards/principle_judge.md"' in (board / "index.html").read_text(encoding="utf-8")
    (cards / "principle_judge.md").unlink()  # a card that is gone is not linked
    assert _run("build", made_logs.main_dir, "--no-registry", "--out", board).exit_code == 0
    assert principle_card() is None
