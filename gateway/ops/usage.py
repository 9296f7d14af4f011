"""Cost attribution: an append-only usage ledger per workspace, and its aggregation.

One JSON line per audited request at ``HOME/usage/usage.jsonl``: who (tenant, principal), what
(action, status) and how much (rows returned and withheld, chunks, tokens, latency). It holds
identifiers and counts only, like the audit log, but unlike it is not hash-chained: it is for
billing and capacity, the audit log is the evidence.

Several processes (server replicas, a CLI) may append at once: each line is one ``write`` on an
``O_APPEND`` descriptor under an exclusive ``flock``, so lines never interleave. Lines are not
fsynced (the audit log is); a crash can lose the last lines or leave a torn one, which readers
skip and count.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from audit import AuditRecord
from audit.record import use_case_of

NO_TENANT = "-"
CHUNK_ACTIONS = frozenset({"search", "ask", "chat"})


def withheld_kind(action: str) -> str:
    """What an action's ``withheld`` counts: document chunks for retrieval, else table rows."""
    return "chunks" if action in CHUNK_ACTIONS else "rows"


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    return value.astimezone(UTC)


class UsageEntry(BaseModel):
    """What one request cost; counts only."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    ts: Annotated[datetime, AfterValidator(_utc)]
    request_id: str
    tenant: str | None
    principal_id: str | None
    action: str
    status: int
    rows_returned: int = Field(default=0, ge=0)
    rows_withheld: int = Field(default=0, ge=0)
    rows_scanned: int = Field(default=0, ge=0)  # rows of the dataset versions the query read
    chunks: int = Field(default=0, ge=0)
    chunks_withheld: int = Field(default=0, ge=0)
    tokens: int = Field(default=0, ge=0)
    latency_ms: float = Field(default=0.0, ge=0)

    @classmethod
    def of(
        cls, record: AuditRecord, *, chunks: int = 0, tokens: int = 0, rows_scanned: int = 0
    ) -> UsageEntry:
        """The usage line of an audit record (chunks, tokens and rows scanned come from the
        pipeline)."""
        withheld = sum(record.withheld.values())
        chunky = withheld_kind(use_case_of(record)) == "chunks"
        return cls(
            ts=record.ts,
            request_id=record.request_id,
            tenant=record.tenant,
            principal_id=record.principal_id,
            action=record.action,
            status=record.status,
            rows_returned=record.rows_returned or 0,
            rows_withheld=0 if chunky else withheld,
            rows_scanned=rows_scanned,
            chunks=chunks,
            chunks_withheld=withheld if chunky else 0,
            tokens=tokens,
            latency_ms=record.latency_ms,
        )


class UsageTotals(BaseModel):
    """Sums over a set of entries."""

    model_config = ConfigDict(extra="forbid")

    requests: int = 0
    refused: int = 0
    rows_returned: int = 0
    rows_withheld: int = 0
    rows_scanned: int = 0
    chunks: int = 0
    chunks_withheld: int = 0
    tokens: int = 0

    def add(self, entry: UsageEntry) -> None:
        self.requests += 1
        self.refused += entry.status >= 400
        self.rows_returned += entry.rows_returned
        self.rows_withheld += entry.rows_withheld
        self.rows_scanned += entry.rows_scanned
        self.chunks += entry.chunks
        self.chunks_withheld += entry.chunks_withheld
        self.tokens += entry.tokens


class UsageReport(BaseModel):
    """Totals per tenant and per (tenant, principal); ``skipped`` counts unreadable lines."""

    model_config = ConfigDict(extra="forbid")

    since: datetime | None = None
    tenants: dict[str, UsageTotals] = Field(default_factory=dict)
    principals: dict[str, dict[str, UsageTotals]] = Field(default_factory=dict)
    skipped: int = 0


class UsageLedger:
    """Appends usage lines to ``path`` (its directory is created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, entry: UsageEntry) -> None:
        """Append one line atomically with respect to other writers; raises ``OSError``."""
        line = (entry.model_dump_json() + "\n").encode("utf-8")
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
        try:
            fd = os.open(self.path, flags, 0o600)
        except FileNotFoundError:  # the directory, once: not a mkdir per request
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, flags, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)  # closing releases the lock


def ledger_path(home: Path) -> Path:
    return home / "usage" / "usage.jsonl"


def read_usage(path: Path) -> Iterator[UsageEntry | None]:
    """Every line of the ledger as an entry, or None for a line that does not parse."""
    try:
        handle = path.open("r", encoding="utf-8")
    except FileNotFoundError:
        return
    with handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                yield UsageEntry.model_validate(json.loads(line))
            except (ValueError, ValidationError):
                yield None


def aggregate(
    entries: Iterable[UsageEntry | None], *, since: datetime | None = None
) -> UsageReport:
    """Sum entries at or after ``since`` per tenant and per principal within a tenant."""
    report = UsageReport(since=since)
    for entry in entries:
        if entry is None:
            report.skipped += 1
            continue
        if since is not None and entry.ts < since:
            continue
        tenant = entry.tenant or NO_TENANT
        report.tenants.setdefault(tenant, UsageTotals()).add(entry)
        principals = report.principals.setdefault(tenant, {})
        principals.setdefault(entry.principal_id or NO_TENANT, UsageTotals()).add(entry)
    return report


class UsageSeries(BaseModel):
    """One tenant's (or one principal's) totals per day, oldest day first, and overall."""

    model_config = ConfigDict(extra="forbid")

    key: str  # tenant, or "tenant/principal"
    days: list[UsageTotals]
    total: UsageTotals = Field(default_factory=UsageTotals)


class UsageOverTime(BaseModel):
    """Daily series over the last ``len(days)`` days (UTC) per tenant and per principal."""

    model_config = ConfigDict(extra="forbid")

    days: list[str]  # ISO dates
    tenants: list[UsageSeries]
    principals: list[UsageSeries]
    skipped: int = 0


def over_time(entries: Iterable[UsageEntry | None], *, days: int, now: datetime) -> UsageOverTime:
    """Per-day totals for the ``days`` days ending with ``now``'s (older entries are left out)."""
    today = _utc(now).date()
    first = today.toordinal() - days + 1
    labels = [date.fromordinal(first + i).isoformat() for i in range(days)]
    tenants: dict[str, UsageSeries] = {}
    principals: dict[str, UsageSeries] = {}
    skipped = 0
    for entry in entries:
        if entry is None:
            skipped += 1
            continue
        slot = entry.ts.date().toordinal() - first
        if not 0 <= slot < days:
            continue
        tenant = entry.tenant or NO_TENANT
        keys = ((tenants, tenant), (principals, f"{tenant}/{entry.principal_id or NO_TENANT}"))
        for table, key in keys:
            series = table.setdefault(
                key, UsageSeries(key=key, days=[UsageTotals() for _ in range(days)])
            )
            series.days[slot].add(entry)
            series.total.add(entry)
    return UsageOverTime(
        days=labels,
        tenants=[tenants[k] for k in sorted(tenants)],
        principals=[principals[k] for k in sorted(principals)],
        skipped=skipped,
    )
