"""``hqg eval run --smoke`` end to end through the Typer app: every fast suite passes and the
three reports are written (the CI gate, on real engines and the real demo workspace)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.eval import app

CORPORA = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora"


@pytest.mark.slow
@pytest.mark.skipif(not CORPORA.is_dir(), reason="shared corpora not present")
def test_smoke_run_passes_and_writes_every_report(tmp_path: Path) -> None:
    report = tmp_path / "report"
    result = CliRunner().invoke(app, ["run", "--smoke", "--report", str(report)])
    assert result.exit_code == 0, result.output
    for name in ("report.json", "report.md", "report.html"):
        assert (report / name).is_file(), name
    body = json.loads((report / "report.json").read_text(encoding="utf-8"))
    statuses = {s["name"]: s["status"] for s in body["suites"]}
    assert statuses == {
        "analyst": "passed",
        "answer-quality": "passed",
        "conversations": "passed",
        "enforcement": "passed",
        "groundedness": "passed",
        "injection": "passed",
        "latency": "passed",
        "leakage": "passed",
        "pii": "passed",
        "sql-guard": "passed",
    }
    assert body["smoke"] is True
