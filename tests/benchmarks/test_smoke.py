"""The benchmark harness runs and reports ratios (numbers are not asserted: no timing tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import __main__ as bench

pytestmark = pytest.mark.slow  # make test-fast skips it: benchmark runs


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


def test_pii_benchmark_compares_the_composite_guard_with_spacy_and_prices_each_part(
    tmp_path: Path,
) -> None:
    from benchmarks import pii
    from benchmarks.common import RunContext
    from privacy.composite import CompositeDetector

    ctx = RunContext(quick=True, scratch=tmp_path)
    detector = CompositeDetector([ctx.spacy(), ctx.rampart()], pii._vocabulary())
    rows = pii._guard_rows(ctx, detector, 4) + pii._part_rows(ctx, detector, 4)
    measures = [row.measure for row in rows]
    assert any("composite vs spaCy alone p95" in m for m in measures)
    for part in ("spaCy", "Rampart", "normalisation", "known entities", "allow-list"):
        assert any(part in m for m in measures), part
    assert all(row.baseline > 0 and row.hqg > 0 for row in rows)


def test_ingest_benchmark_reports_rows_per_second_wall_and_cpu_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = tmp_path / "latest.json"
    monkeypatch.setattr(bench, "RESULTS", results)
    assert bench.main(["--quick", "--only", "ingest"]) == 0
    rows = json.loads(results.read_text(encoding="utf-8"))["rows"]
    assert [row["measure"] for row in rows] == ["rows/s", "wall time", "CPU time (all threads)"]
    assert all(row["baseline"] > 0 and row["hqg"] > 0 for row in rows)
