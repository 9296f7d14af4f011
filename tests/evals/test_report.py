"""Reports: JSON, Markdown and one self-contained HTML file with inline SVG charts."""

from __future__ import annotations

import json
from pathlib import Path

from evals.model import (
    Bar,
    Chart,
    Check,
    Metric,
    RunReport,
    SuiteOutcome,
    SuiteResult,
    Table,
    Threshold,
)
from evals.report import render_html, render_markdown, write_reports
from evals.stats import wilson_interval


def sample_report() -> RunReport:
    threshold = Threshold(metric="leaks", op="==", value=0)
    outcome = SuiteOutcome(
        metrics=(
            Metric(name="leaks", value=0, n=400),
            Metric(name="rate", value=0.25, n=8, ci=wilson_interval(2, 8)),
        ),
        tables=(Table(title="Details <b>", header=("a", "b"), rows=(("x|y", "<script>"),)),),
        charts=(
            Chart(
                title="Rates & more",
                unit="rate",
                bars=(Bar(label="<svg onload=x>", value=0.25, low=0.07, high=0.59, threshold=0.5),),
            ),
        ),
        notes=("a note",),
    )
    return RunReport(
        started_at="2026-11-01T00:00:00+00:00",
        seconds=1.5,
        smoke=True,
        suites=(
            SuiteResult(
                name="leakage",
                description="desc",
                status="passed",
                seconds=1.0,
                outcome=outcome,
                checks=(Check(threshold=threshold, observed=0, passed=True, basis="value"),),
            ),
            SuiteResult(
                name="pii", description="d", status="skipped", seconds=0.0, reason="no corpus"
            ),
        ),
    )


def test_html_report_is_self_contained_with_an_svg_chart_and_escaped_text() -> None:
    html = render_html(sample_report())
    assert "<svg" in html
    assert "<script" not in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "&lt;svg onload=x&gt;" in html
    assert "&lt;script&gt;" in html
    assert "Rates &amp; more" in html


def test_markdown_report_has_summary_checks_metrics_and_intervals() -> None:
    md = render_markdown(sample_report())
    assert md.startswith("# hqg evaluation — PASSED")
    assert "| leakage | passed | 1/1 |" in md
    assert "| leaks == 0 | 0 | pass |" in md
    assert "[0.07" in md  # the Wilson interval of 2/8
    assert "x\\|y" in md  # pipes in cells are escaped
    assert "**skipped:** no corpus" in md


def test_write_reports_writes_all_three_files(tmp_path: Path) -> None:
    paths = write_reports(sample_report(), tmp_path / "out")
    assert {p.name for p in paths.values()} == {"report.json", "report.md", "report.html"}
    body = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert body["passed"] is True
    assert body["suites"][0]["outcome"]["metrics"][1]["ci"]["low"] > 0
