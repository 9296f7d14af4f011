"""``sql``: governed SQL vs raw DuckDB on the same version files, and HTTP vs in-process.

Governed = ``governed_sql`` as demo-alice: catalog snapshot, guard (twice), policy decision,
rewrite with her tenant filter and masks, execution on the pooled connection, provenance,
and one audit record appended durably (log fsync + in-place head fdatasync, shared by
concurrent requests through group commit) before the response is returned. Raw = one
in-memory DuckDB connection with the same version file ATTACHed read-only, running the query
with the same tenant predicate the governed rewrite adds, so both do the same scan.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.common import Latency, Row, RunContext, latency, latency_rows, row

NAME = "sql"
POINT = "SELECT * FROM orders WHERE order_id = 42"
AGGREGATE = "SELECT tenant_id, count(*), sum(amount) FROM events GROUP BY 1"
TENANT = "acme"  # demo-alice's tenant: raw queries add the predicate her rewrite adds
RAW_POINT = f"SELECT * FROM o.main.data WHERE order_id = 42 AND tenant_id = '{TENANT}'"
RAW_AGGREGATE = (
    "SELECT tenant_id, count(*), sum(amount) FROM e.main.data "
    f"WHERE tenant_id = '{TENANT}' GROUP BY 1"
)


def _events_contract() -> Any:
    from ingestion.contracts import parse_contract

    return parse_contract(
        {
            "name": "events",
            "owner": "bench",
            "classification": "internal",
            "tenant_column": "tenant_id",
            "primary_key": ["id"],
            "columns": [
                {"name": "tenant_id", "type": "VARCHAR", "nullable": False},
                {"name": "id", "type": "BIGINT", "nullable": False},
                {"name": "amount", "type": "DOUBLE", "nullable": False},
                {"name": "ts", "type": "TIMESTAMP", "nullable": False},
            ],
        },
        source="benchmarks/sql.py",
    )


def _write_events(path: Path, rows: int) -> None:
    select = (
        "['acme', 'globex', 'initech'][(i % 3) + 1] AS tenant_id, i AS id, "
        "round((i % 10007) * 0.25, 2) AS amount, TIMESTAMP '2026-01-01' + to_seconds(i) AS ts"
    )
    with duckdb.connect(":memory:") as con:
        con.execute(
            f"COPY (SELECT {select} FROM range({int(rows)}) t(i)) TO '{path}' (FORMAT CSV, HEADER)"
        )


def _prepare(ctx: RunContext) -> Path:
    """A demo workspace plus a ``rows``-row ``events`` dataset; returns its home."""
    from datetime import UTC, datetime

    from demo.build import build_demo
    from gateway.components import Lazy
    from gateway.settings import load_settings
    from gateway.wiring import build_components
    from ingestion.tables import ingest_table
    from ingestion.workspace import Workspace

    home = ctx.scratch / NAME / "home"
    reference = datetime(2026, 11, 1, tzinfo=UTC)
    Workspace.create(home)
    components = build_components(load_settings(home=home))
    components.pii = Lazy(ctx.detector)  # the run's shared detector (built once, not timed)
    try:
        build_demo(home, components=components, reference_time=reference)
    finally:
        components.close()
    csv = ctx.scratch / NAME / "events.csv"
    _write_events(csv, ctx.rows)
    ingest_table(
        Workspace.open(home),
        csv,
        dataset="events",
        detector=ctx.detector(),
        contract=_events_contract(),
    )
    return home


def _raw_connection(home: Path, files: dict[str, Path]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    for alias, file in files.items():
        con.execute(f"ATTACH '{home / file}' AS {alias} (READ_ONLY)")
    return con


def _fsync_cost(directory: Path, n: int) -> tuple[Latency, Latency]:
    """A one-line append without and with ``fsync``: the durability part of the audit cost."""
    path = directory / "fsync-probe.log"
    line = b'{"bench": "one audit-sized line ' + b"x" * 600 + b'"}\n'
    with path.open("ab", buffering=0) as handle:

        def synced_append() -> None:
            handle.write(line)
            os.fsync(handle.fileno())

        plain = latency(lambda: handle.write(line), n=n)
        synced = latency(synced_append, n=n)
    return plain, synced


def _audit_costs(directory: Path, n: int) -> tuple[Latency, Latency, float, float]:
    """``AuditLog.append`` alone (one thread) vs a bare append+fsync, and records/s with 1 vs 8
    threads appending at once (group commit shares one log fsync and one head sync per batch)."""
    import threading
    import time
    from datetime import UTC, datetime

    from audit import AuditLog, AuditRecord

    record = AuditRecord(
        ts=datetime(2026, 11, 1, tzinfo=UTC),
        request_id="bench-1",
        principal_id="demo-alice",
        tenant="acme",
        action="sql",
        allowed=True,
        status=200,
        rows_returned=1,
        query_redacted="SELECT * FROM orders WHERE order_id = ?",
    )
    log = AuditLog(directory / "audit-bench.jsonl")
    single = latency(lambda: log.append(record), n=n)
    _, bare = _fsync_cost(directory, n)

    def rate(threads: int) -> float:
        per_thread = max(n // threads, 1)

        def work() -> None:
            for _ in range(per_thread):
                log.append(record)

        workers = [threading.Thread(target=work) for _ in range(threads)]
        start = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return per_thread * threads / (time.perf_counter() - start)

    return bare, single, rate(1), rate(8)


def _with_tmpfs_audit(gateway: Any, measure: Callable[[], Latency]) -> Latency | None:
    """Measure with the audit log on tmpfs, where fsync costs nothing: the non-durable floor.

    The same ``AuditLog`` code runs; only the filesystem under it changes, so the difference
    from the normal run is the price of durable (fsync'd) audit on this disk.
    """
    from audit import AuditLog

    shm = Path("/dev/shm")
    if not shm.is_dir():
        return None
    durable = gateway.audit
    with tempfile.TemporaryDirectory(dir=shm) as directory:
        gateway.audit = AuditLog(Path(directory) / "audit.jsonl")
        try:
            return measure()
        finally:
            gateway.audit = durable


def _tmpfs_rows(raw: Latency, tmpfs: Latency | None) -> list[Row]:
    if tmpfs is None:
        return []
    note = f"audit on tmpfs: added p50 {tmpfs.p50_ms - raw.p50_ms:.2f} ms"
    return latency_rows(
        NAME, "point query, governed (no fsync) vs raw", baseline=raw, hqg=tmpfs, note=note
    )


def _http(gateway: Any, n: int) -> Latency:
    """The point query through the FastAPI app in-process (TestClient: no sockets)."""
    from fastapi.testclient import TestClient

    from transports.rest import create_app

    headers = {"Authorization": "Bearer demo-alice"}
    with TestClient(create_app(gateway), raise_server_exceptions=False) as client:

        def call() -> None:
            response = client.post("/v1/sql", json={"sql": POINT}, headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"/v1/sql answered {response.status_code}")

        return latency(call, n=n)


def _measure(gateway: Any, home: Path, ctx: RunContext) -> dict[str, Latency | None]:
    from gateway.context import RequestContext
    from gateway.sql_pipeline import governed_sql

    n_point, n_agg = (50, 15) if ctx.quick else (400, 60)
    alice = gateway.principals.authenticate("demo-alice")
    snapshot = gateway.datasets()
    files = {"o": snapshot["orders"].current.file, "e": snapshot["events"].current.file}

    def governed(sql: str) -> Callable[[], None]:
        def call() -> None:
            governed_sql(gateway, RequestContext.create(alice, purpose=None), sql=sql)

        return call

    with _raw_connection(home, files) as raw:
        return {
            "point_raw": latency(lambda: raw.execute(RAW_POINT).fetchall(), n=n_point),
            "point_gov": latency(governed(POINT), n=n_point),
            "point_tmpfs": _with_tmpfs_audit(gateway, lambda: latency(governed(POINT), n=n_point)),
            "agg_raw": latency(lambda: raw.execute(RAW_AGGREGATE).fetchall(), n=n_agg),
            "agg_gov": latency(governed(AGGREGATE), n=n_agg),
            # HTTP vs in-process both with the tmpfs audit, so disk fsync jitter cancels out.
            "point_http": _with_tmpfs_audit(gateway, lambda: _http(gateway, n_point))
            or _http(gateway, n_point),
        }


def run(ctx: RunContext) -> list[Row]:
    from gateway.settings import load_settings
    from gateway.wiring import build_gateway

    home = _prepare(ctx)
    gateway = build_gateway(load_settings(home=home))
    try:
        m = _measure(gateway, home, ctx)
    finally:
        gateway.close()
    plain, synced = _fsync_cost(ctx.scratch / NAME, 50 if ctx.quick else 200)
    bare, audit_one, rate_one, rate_eight = _audit_costs(
        ctx.scratch / NAME, 50 if ctx.quick else 200
    )
    point_raw, point_gov = _got(m, "point_raw"), _got(m, "point_gov")
    added = point_gov.p50_ms - point_raw.p50_ms
    return [
        *latency_rows(
            NAME,
            "point query, governed vs raw",
            baseline=point_raw,
            hqg=point_gov,
            note=f"added p50 {added:.2f} ms (budget < 2 ms)",
        ),
        *_tmpfs_rows(point_raw, m["point_tmpfs"]),
        *latency_rows(
            NAME,
            f"aggregate {ctx.rows // 1000}k rows, governed vs raw",
            baseline=_got(m, "agg_raw"),
            hqg=_got(m, "agg_gov"),
        ),
        *latency_rows(
            NAME,
            "point query, HTTP vs in-process",
            baseline=m["point_tmpfs"] or point_gov,
            hqg=_got(m, "point_http"),
            note="TestClient, POST /v1/sql; both with audit on tmpfs",
        ),
        *latency_rows(
            NAME,
            "one-line append, fsync vs none",
            baseline=plain,
            hqg=synced,
        ),
        *latency_rows(
            NAME,
            "audit append vs bare append+fsync",
            baseline=bare,
            hqg=audit_one,
            note="AuditLog.append, one thread: log fsync + head fdatasync",
        ),
        row(
            NAME,
            "audit appends/s, 8 threads vs 1",
            "1/s",
            baseline=rate_one,
            hqg=rate_eight,
            note="group commit: concurrent appends share the syncs",
        ),
    ]


def _got(measured: dict[str, Latency | None], key: str) -> Latency:
    value = measured[key]
    if value is None:
        raise RuntimeError(f"{key} was not measured")
    return value
