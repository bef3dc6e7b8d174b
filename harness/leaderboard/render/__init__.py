"""Writing a leaderboard: ``leaderboard.json`` (schema-versioned, validated), ``leaderboard.csv``,
``leaderboard.md`` and a static ``index.html``.

Everything that comes from a log (model names, greetings, judge reasons, even scorer names) is untrusted. The HTML
is rendered server-side by a Jinja2 template with autoescape on; its only script is the package's own sorter, which
moves rows and never builds markup from text, and a Content-Security-Policy allows that script and style by hash
alone, so an injected ``<script>`` or event handler would not run even if escaping failed. Markdown cells are
HTML-escaped and their Markdown punctuation backslash-escaped; CSV cells that a spreadsheet would read as a
formula are prefixed with an apostrophe.

One format per module: :mod:`.json_out` (with :mod:`.schema`), :mod:`.csv_out`, :mod:`.markdown`, :mod:`.html_out`
(the page; its template, script and style are package data in ``harness/leaderboard/templates/``); :mod:`.cells`
holds what they share, :mod:`.write` writes all four. Every public name is re-exported here.
"""

from harness.leaderboard.logs import EXCELLENCE
from harness.leaderboard.render.cells import (
    CREATIVITY_LABELS,
    DIGITS,
    JUDGE_SUFFIXES,
    KIND_LABELS,
    fmt,
    judge_extras,
    lc_judges,
    rate_text,
)
from harness.leaderboard.render.csv_out import (
    to_csv,
)
from harness.leaderboard.render.html_out import (
    HTML_HASH_CHARS,
    content_security_policy,
    to_html,
)
from harness.leaderboard.render.json_out import (
    to_json,
)
from harness.leaderboard.render.markdown import (
    code,
    md,
    to_markdown,
)
from harness.leaderboard.render.schema import (
    SCHEMA_RESOURCE,
    SCHEMA_VERSION,
    leaderboard_schema,
    validate_leaderboard,
)
from harness.leaderboard.render.write import (
    OUTPUT_FILES,
    write_leaderboard,
)

__all__ = [
    "EXCELLENCE",
    "CREATIVITY_LABELS",
    "DIGITS",
    "HTML_HASH_CHARS",
    "JUDGE_SUFFIXES",
    "KIND_LABELS",
    "OUTPUT_FILES",
    "SCHEMA_RESOURCE",
    "SCHEMA_VERSION",
    "code",
    "content_security_policy",
    "fmt",
    "judge_extras",
    "lc_judges",
    "leaderboard_schema",
    "md",
    "rate_text",
    "to_csv",
    "to_html",
    "to_json",
    "to_markdown",
    "validate_leaderboard",
    "write_leaderboard",
]
