"""The leaderboard page in a real headless Chromium: it renders, its own script runs, and nothing a model (or a
judge) wrote executes.

How the DOM dump proves it: the page's own script marks ``<html data-rendered="yes">`` when it has run; every hostile
payload (in greetings, judge reasons and a model name) would mark ``<html data-pwned=...>`` if it ran. A control
page that embeds the same payload unescaped shows the canary fires, so its absence on the leaderboard means
something. Chromium comes from the Debian package ``chromium`` (installed by ``.ci/run``; no driver is needed: the
tests run it headless and read its DOM dump); the tests skip, saying so, only where it is absent.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from leaderboard_logs import HOSTILE, MadeLogs, rewrite

from harness.leaderboard import BuildInputs, build_leaderboard
from harness.leaderboard.render import write_leaderboard

CHROMIUM = next(
    (found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))), None
)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (Debian: apt-get install -y chromium); the browser test cannot run here",
)

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking")

HOSTILE_MODEL = "mockllm/<script>document.documentElement.setAttribute('data-pwned','model')</script>"


def dump_dom(page: Path, profile: Path) -> str:
    """The DOM of ``page`` after its scripts ran, from a fresh Chromium profile."""
    command = [
        str(CHROMIUM),
        *FLAGS,
        f"--user-data-dir={profile}",
        "--virtual-time-budget=5000",
        "--dump-dom",
        page.resolve().as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=True)
    assert "</html>" in result.stdout, result.stderr[-2000:]
    return result.stdout


def html_tag(dom: str) -> str:
    """The opening ``<html ...>`` tag of a DOM dump (where the canaries land)."""
    match = re.search(r"<html[^>]*>", dom)
    assert match, dom[:500]
    return match.group(0)


@pytest.fixture(scope="module")
def page(made_logs: MadeLogs, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    renamed = rewrite(made_logs.main["mockllm/hostile"], out / "renamed.eval", model=HOSTILE_MODEL)
    board = build_leaderboard(BuildInputs(logs=[made_logs.main_dir, renamed], use_registry=False))
    return write_leaderboard(board, out / "greetings")["index.html"]


def test_canary_fires_on_an_unescaped_page(tmp_path: Path) -> None:
    control = tmp_path / "control.html"
    control.write_text(f"<!DOCTYPE html><html><body><p>{HOSTILE}</p></body></html>", encoding="utf-8")
    assert "data-pwned" in html_tag(dump_dom(control, tmp_path / "profile"))


def test_page_renders_and_nothing_injected_runs(page: Path, tmp_path: Path) -> None:
    dom = dump_dom(page, tmp_path / "profile")
    tag = html_tag(dom)
    assert 'data-rendered="yes"' in tag  # the page's own script ran
    assert "data-pwned" not in tag  # no greeting, judge reason or model name did
    assert dom.count("<script") == 1
    assert dom.count('<table class="sortable">') == 1 and "mockllm/warm" in dom and "null/echo" in dom
    assert "&lt;script&gt;document.documentElement.setAttribute('data-pwned','script')&lt;/script&gt;" in dom
    assert "&lt;img src=x onerror=" in dom and "mockllm/&lt;script&gt;" in dom


def test_escaping_alone_keeps_payloads_inert(page: Path, tmp_path: Path) -> None:
    """Without the Content-Security-Policy (the second line of defence) nothing runs either."""
    text = page.read_text(encoding="utf-8")
    stripped = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
    assert stripped != text
    bare = tmp_path / "bare.html"
    bare.write_text(stripped, encoding="utf-8")
    tag = html_tag(dump_dom(bare, tmp_path / "profile"))
    assert 'data-rendered="yes"' in tag and "data-pwned" not in tag


def test_columns_sort_in_the_browser(page: Path, tmp_path: Path) -> None:
    """Click the model and the principle_judge headers (a test script, CSP removed) and read the row order."""
    probe = """<script>
var table = document.querySelector("table.sortable");
var headers = table.tHead.rows[0].cells;
function order(column) {
  return Array.prototype.map.call(table.tBodies[0].rows, function (row) {
    return row.cells[column].getAttribute("data-sort");
  }).join(" ");
}
headers[1].click();
document.documentElement.setAttribute("data-by-model", order(1));
headers[1].click();
document.documentElement.setAttribute("data-by-model-desc", order(1));
var principle = Array.prototype.findIndex.call(headers, function (h) {
  return h.textContent.indexOf("principle_judge") === 0;
});
headers[principle].click();
document.documentElement.setAttribute("data-by-principle", order(principle));
</script></body>"""
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page.read_text(encoding="utf-8"))
    probed = tmp_path / "probed.html"
    probed.write_text(text.replace("</body>", probe), encoding="utf-8")
    tag = html_tag(dump_dom(probed, tmp_path / "profile"))
    models = re.search(r'data-by-model="([^"]*)"', tag).group(1).split(" ")
    assert models == sorted(models, key=str.lower) and "null/echo" in models
    assert re.search(r'data-by-model-desc="([^"]*)"', tag).group(1).split(" ") == models[::-1]
    rates = [float(v) for v in re.search(r'data-by-principle="([^"]*)"', tag).group(1).split(" ")]
    assert rates == sorted(rates) and rates[0] == 0.0 and rates[-1] == 1.0
