"""The HTML report: one file, inline CSS and SVG, every string escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from evals.model import RunReport, SuiteResult
from evals.report.formatting import check_cells, metric_cells
from evals.report.svg import render_chart

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #ccc;padding:.2rem .5rem;
text-align:left;font-size:.9rem}th{background:#f3f3f3}.passed{color:#2a7d2a}.failed,.error{color:#c00}
.skipped{color:#888}svg{font-size:12px;display:block;margin:.5rem 0}section{margin-bottom:2rem}
"""


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _suite(suite: SuiteResult) -> str:
    parts = [
        f'<section id="{escape(suite.name)}"><h2>{escape(suite.name)} '
        f'<span class="{suite.status}">{suite.status}</span></h2>',
        f"<p>{escape(suite.description)}</p>",
    ]
    if suite.reason:
        parts.append(f"<p><strong>{suite.status}:</strong> {escape(suite.reason)}</p>")
    if suite.checks:
        parts.append(
            _table(("threshold", "observed", "result"), [check_cells(c) for c in suite.checks])
        )
    if suite.outcome is not None:
        parts += [render_chart(chart) for chart in suite.outcome.charts if chart.bars]
        rows = [(m.name, *metric_cells(m)) for m in suite.outcome.metrics]
        parts.append(_table(("metric", "value", "n", "95% CI"), rows))
        for table in suite.outcome.tables:
            if table.rows:
                parts.append(f"<h3>{escape(table.title)}</h3>" + _table(table.header, table.rows))
        parts += [f"<p><em>{escape(note)}</em></p>" for note in suite.outcome.notes]
    parts.append("</section>")
    return "".join(parts)


def render_html(report: RunReport) -> str:
    verdict = "passed" if report.passed else "failed"
    summary = _table(
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
    )
    kind = "smoke subset" if report.smoke else "full run"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>hqg evaluation — {verdict}</title><style>{STYLE}</style></head><body>"
        f'<h1>hqg evaluation — <span class="{verdict}">{verdict}</span></h1>'
        f"<p>Started {escape(report.started_at)}, {report.seconds:.1f} s, {kind}. Bars show the "
        "value, black whiskers the 95% interval, red ticks the threshold.</p>"
        f"{summary}{''.join(_suite(s) for s in report.suites)}</body></html>\n"
    )
