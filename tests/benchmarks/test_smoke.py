"""The benchmark harness runs and reports ratios (numbers are not asserted: no timing tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import __main__ as bench


def test_policy_benchmark_runs_and_writes_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = tmp_path / "latest.json"
    monkeypatch.setattr(bench, "RESULTS", results)
    assert bench.main(["--quick", "--only", "policy"]) == 0
    data = json.loads(results.read_text(encoding="utf-8"))
    rows = data["rows"] if isinstance(data, dict) else data
    assert rows
    assert all("ratio" in row for row in rows)
