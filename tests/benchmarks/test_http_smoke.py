"""The HTTP benchmark against a real ``hqg serve`` for a few seconds: behaviour only.

No number is asserted (the machine is shared); what must hold under concurrent load is that
every request is answered without an error and every governed request left its audit record.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.read import iter_records
from benchmarks import http
from tests.workspaces import copy_workspace

pytestmark = pytest.mark.slow  # make test-fast skips it: serves hqg and drives the HTTP benchmark


def test_http_benchmark_answers_every_request_and_audits_every_governed_one(
    demo_home: Path, tmp_path: Path
) -> None:
    home = copy_workspace(demo_home, tmp_path / "home")
    log = tmp_path / "serve.log"
    with http.served(home, log=log) as url:
        cells = http.measure(url, concurrency=(1, 4), seconds=1.0, warmup=2)

    assert {(c.probe.label, c.concurrency) for c in cells} == {
        (p.label, c) for p in http.PROBES for c in (1, 4)
    }
    for cell in cells:
        assert cell.errors == 0, (cell.probe.label, cell.concurrency)
        assert len(cell.latencies_ms) == len(cell.request_ids) > 0
    audited = {record.request_id for record in iter_records(home / "audit" / "audit.jsonl")}
    governed = [c for c in cells if c.probe is not http.HEALTHZ]
    missing = [rid for cell in governed for rid in cell.request_ids if rid not in audited]
    assert missing == []

    table = http.rows(cells)
    assert any(r.measure == "/v1/sql c=4 req/s vs /healthz" for r in table)
    assert all(r.baseline > 0 and r.hqg > 0 for r in table)

    # one log line per request, the governed ones with their use case's fields and time
    lines = http.server_lines(log)
    sent = [rid for cell in cells for rid in cell.request_ids]
    assert sorted(lines.keys() & set(sent)) == sorted(sent)
    assert all("use_case_ms" in lines[rid] for rid in governed_ids(cells))
    assert "request finished" not in log.read_text(encoding="utf-8", errors="replace")
    (split,) = [r for r in http.server_split(log, cells) if r.measure.startswith("/v1/sql")]
    assert 0 < split.baseline <= split.hqg


def governed_ids(cells: list[http.Cell]) -> list[str]:
    return [rid for cell in cells if cell.probe is not http.HEALTHZ for rid in cell.request_ids]
