"""Judge reliability reports from Inspect logs: tables (polars), per-judge cards (Markdown, JSON, PNG), an index.

``write_judge_report(logs, out)`` is the entry point (``greetbench judge-report``).
"""

from harness.report.build import DEFAULT_OUT, JudgeReport, write_judge_report
from harness.report.cards import CardSpec, build_card, card_specs, probe_metrics, probe_section
from harness.report.logs import AGREEMENT_TASK, PROBES_TASK, ReportLogs, log_sha256, read_report_logs
from harness.report.markdown import card_markdown, fmt_estimate, index_markdown
from harness.report.plots import plot_length
from harness.report.table import LENGTH_SCORER, agreement_table, probe_table

__all__ = [
    "AGREEMENT_TASK",
    "DEFAULT_OUT",
    "LENGTH_SCORER",
    "PROBES_TASK",
    "CardSpec",
    "JudgeReport",
    "ReportLogs",
    "agreement_table",
    "build_card",
    "card_markdown",
    "card_specs",
    "fmt_estimate",
    "index_markdown",
    "log_sha256",
    "plot_length",
    "probe_metrics",
    "probe_section",
    "probe_table",
    "read_report_logs",
    "write_judge_report",
]
