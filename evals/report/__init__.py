"""Run reports: JSON (for machines), Markdown (for PRs), one self-contained HTML file with
inline SVG charts (no scripts, no network: it opens from a CI artefact as is)."""

from __future__ import annotations

import json
from pathlib import Path

from evals.model import RunReport
from evals.report.html import render_html
from evals.report.markdown import render_markdown

__all__ = ["render_html", "render_markdown", "write_reports"]


def write_reports(report: RunReport, directory: Path) -> dict[str, Path]:
    """Write ``report.json``, ``report.md`` and ``report.html`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": directory / "report.json",
        "markdown": directory / "report.md",
        "html": directory / "report.html",
    }
    body = report.model_dump(mode="json")
    body["passed"] = report.passed
    paths["json"].write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    paths["markdown"].write_text(render_markdown(report), encoding="utf-8")
    paths["html"].write_text(render_html(report), encoding="utf-8")
    return paths
