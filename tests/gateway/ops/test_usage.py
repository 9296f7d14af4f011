"""The usage ledger: one line per audited request, safe under concurrent writers, aggregated."""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.app import _register, app
from cli.usage import parse_since
from gateway.ops.usage import (
    UsageEntry,
    UsageLedger,
    aggregate,
    ledger_path,
    over_time,
    read_usage,
)
from gateway.service import Gateway
from hqg.errors import ConfigError
from tests.gateway.ops.conftest import auth

pytestmark = pytest.mark.slow  # make test-fast skips it: concurrent processes and CLI

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def entry(n: int, **fields: object) -> UsageEntry:
    base: dict[str, object] = {
        "ts": T0 + timedelta(minutes=n),
        "request_id": f"req{n:08d}",
        "tenant": "acme",
        "principal_id": "alice",
        "action": "sql",
        "status": 200,
        "rows_returned": 10,
        "rows_withheld": 5,
    }
    return UsageEntry.model_validate({**base, **fields})


def test_each_request_appends_one_line_with_its_counts(
    client: TestClient, gateway: Gateway
) -> None:
    response = client.post(
        "/v1/sql", json={"sql": "SELECT city FROM customers"}, headers=auth("demo-alice")
    )
    body = response.json()
    path = ledger_path(gateway.workspace.home)
    (line,) = [e for e in read_usage(path) if e and e.request_id == body["request_id"]]
    who = (line.tenant, line.principal_id, line.action, line.status)
    assert who == ("acme", "alice", "sql", 200)
    assert line.rows_returned == body["row_count"]
    assert line.rows_withheld == sum(body["withheld"].values())
    assert line.latency_ms > 0


def test_aggregation_sums_per_tenant_and_principal(tmp_path: Path) -> None:
    ledger = UsageLedger(tmp_path / "usage" / "usage.jsonl")
    for e in [
        entry(0),
        entry(1, principal_id="bob", status=403, rows_returned=0, rows_withheld=0),
        entry(2, tenant="globex", principal_id="carol", action="search", chunks=4, tokens=90),
        entry(3, tenant=None, principal_id="dana"),
    ]:
        ledger.append(e)
    report = aggregate(read_usage(ledger.path))
    acme = report.tenants["acme"]
    assert (acme.requests, acme.refused, acme.rows_returned, acme.rows_withheld) == (2, 1, 10, 5)
    assert report.principals["acme"]["bob"].refused == 1
    assert report.tenants["globex"].chunks == 4
    assert report.tenants["globex"].tokens == 90
    assert report.tenants["-"].requests == 1
    later = aggregate(read_usage(ledger.path), since=T0 + timedelta(minutes=2))
    assert set(later.tenants) == {"globex", "-"}


def test_usage_over_time_sums_per_day_per_tenant_and_principal() -> None:
    day = timedelta(days=1)
    entries = [
        entry(0),
        entry(1, ts=T0 + day, status=403, rows_returned=0),
        entry(2, ts=T0 + day, tenant="globex", principal_id="carol", chunks=4),
        entry(3, ts=T0 - 5 * day),  # before the window
        None,  # a torn line
    ]
    series = over_time(entries, days=3, now=T0 + day)
    assert series.days == ["2026-10-31", "2026-11-01", "2026-11-02"]
    acme = next(s for s in series.tenants if s.key == "acme")
    assert [d.requests for d in acme.days] == [0, 1, 1]
    assert [d.refused for d in acme.days] == [0, 0, 1]
    assert acme.total.rows_returned == 10
    assert [s.key for s in series.principals] == ["acme/alice", "globex/carol"]
    assert series.skipped == 1


def test_a_torn_line_is_skipped_and_counted(tmp_path: Path) -> None:
    ledger = UsageLedger(tmp_path / "usage.jsonl")
    ledger.append(entry(0))
    with ledger.path.open("a", encoding="utf-8") as handle:
        handle.write('{"ts": "2026-11-01T00:00:00+00:00", "request_')
    report = aggregate(read_usage(ledger.path))
    assert (report.tenants["acme"].requests, report.skipped) == (1, 1)


def test_a_missing_ledger_is_an_empty_report(tmp_path: Path) -> None:
    report = aggregate(read_usage(tmp_path / "nothing.jsonl"))
    assert (report.tenants, report.skipped) == ({}, 0)


def _append_many(path: str, worker: int) -> None:
    ledger = UsageLedger(Path(path))
    for n in range(200):
        ledger.append(entry(n, request_id=f"w{worker}-{n:05d}", principal_id=f"p{worker}"))


def test_concurrent_processes_never_interleave_lines(tmp_path: Path) -> None:
    path = tmp_path / "usage.jsonl"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(str(path), w)) for w in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
    assert [p.exitcode for p in workers] == [0] * 4
    entries = list(read_usage(path))
    assert None not in entries
    assert len({e.request_id for e in entries if e}) == 800


def test_since_accepts_spans_and_iso_times() -> None:
    now = datetime(2026, 11, 2, 12, tzinfo=UTC)
    assert parse_since("24h", now=now) == datetime(2026, 11, 1, 12, tzinfo=UTC)
    assert parse_since("7d", now=now) == datetime(2026, 10, 26, 12, tzinfo=UTC)
    assert parse_since("30m", now=now) == datetime(2026, 11, 2, 11, 30, tzinfo=UTC)
    assert parse_since("2026-11-01", now=now) == T0
    with pytest.raises(ConfigError):
        parse_since("yesterday", now=now)


def test_hqg_usage_prints_json_per_tenant(client: TestClient, gateway: Gateway) -> None:
    client.get("/v1/catalog", headers=auth("demo-carol"))
    _register()
    home = str(gateway.workspace.home)
    result = CliRunner().invoke(app, ["usage", "--home", home, "--json", "--since", "1h"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["tenants"]["globex"]["requests"] >= 1
    assert report["principals"]["globex"]["carol"]["requests"] >= 1
    table = CliRunner().invoke(app, ["usage", "--home", home])
    assert table.exit_code == 0
    assert "globex" in table.output


def test_sql_usage_records_rows_scanned(client: TestClient, gateway: Gateway) -> None:
    """A governed query attributes the rows of the versions it read to the caller's tenant."""
    response = client.post(
        "/v1/sql",
        json={"sql": "SELECT count(*) FROM orders"},
        headers={"Authorization": "Bearer demo-carol"},
    )
    assert response.status_code == 200
    entries = [
        e
        for e in read_usage(ledger_path(gateway.workspace.home))
        if e is not None and e.request_id == response.json()["request_id"]
    ]
    assert [e.rows_scanned for e in entries] == [3000]
