"""The Markdown report: a summary table, then per suite its checks, metrics and details."""

from __future__ import annotations

from collections.abc import Sequence

from evals.model import RunReport, SuiteResult
from evals.report.formatting import check_cells, metric_cells


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"

    return [line(header), "|" + "---|" * len(header), *(line(r) for r in rows)]


def _suite(suite: SuiteResult) -> list[str]:
    lines = [f"## {suite.name} — {suite.status}", "", suite.description, ""]
    if suite.reason:
        lines += [f"**{suite.status}:** {suite.reason}", ""]
    if suite.checks:
        lines += _table(("threshold", "observed", "result"), [check_cells(c) for c in suite.checks])
        lines.append("")
    if suite.outcome is None:
        return lines
    rows = [(m.name, *metric_cells(m)) for m in suite.outcome.metrics]
    lines += [*_table(("metric", "value", "n", "95% CI"), rows), ""]
    for table in suite.outcome.tables:
        if table.rows:
            lines += [f"**{table.title}**", "", *_table(table.header, table.rows), ""]
    lines += [f"_{note}_" for note in suite.outcome.notes]
    return [*lines, ""] if suite.outcome.notes else lines


def render_markdown(report: RunReport) -> str:
    verdict = "PASSED" if report.passed else "FAILED"
    lines = [
        f"# hqg evaluation — {verdict}",
        "",
        f"Started {report.started_at}, {report.seconds:.1f} s"
        + (", smoke subset" if report.smoke else ", full run")
        + ".",
        "",
        *_table(
            ("suite", "status", "checks passed", "seconds"),
            [
                (
                    s.name,
                    s.status,
                    f"{sum(c.passed for c in s.checks)}/{len(s.checks)}",
                    f"{s.seconds:.1f}",
                )
                for s in report.suites
            ],
        ),
        "",
    ]
    for suite in report.suites:
        lines += _suite(suite)
    return "\n".join(lines).rstrip() + "\n"
