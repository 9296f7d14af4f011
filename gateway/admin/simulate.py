"""Impact simulation: replay audited requests under a candidate bundle before it ships.

Each audited data request is decided again twice, on the same input: by the enforced policy
(the baseline) and by the candidate. The report names every request whose decision would
change (allow->deny, deny->allow, masks added/removed, row filters changed) and, per principal
and dataset, how many rows would be visible before and after, recomputed with ``count(*)``
under each decision's row filter (counts only, never values, and only as far as the CALLER
may count: its own grants scope every count, ``gateway.admin.row_counts``).

Every data action is replayed: SQL (with the collections its ``vector_search()`` calls read),
search, ask and chat, also when a transport filed them under its own name (MCP's
``mcp.<tool>``, read through ``use_case_of``). What a replay can and cannot know: the audit
record keeps who, which purpose, which datasets and versions and which collections, not the
principal's attributes or the contract at the time. The input is rebuilt from today's principal
directory and catalog; a principal, dataset or collection that no longer exists is skipped and
counted. Requests refused before policy was asked (unsafe SQL) are not replayed. A search or
ask that named no collection is replayed over the collections it was granted.

A refused request sees no rows: whatever the caller may count, a side that denies reports 0
rows, so "rows after" drops to 0 when the candidate denies. Chunks of a collection are not
counted.

The replay is paged and bounded: records are read oldest first in pages of ``PAGE_RECORDS``
(``audit.query``, streaming), each page decided by one bounded child process (``authz.sandbox``,
regorus; the caller's code never runs in the gateway's process), and at most
``HQG_POLICY__SIMULATE_MAX_RECORDS`` records per simulation; the report's ``cursor`` resumes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from audit import AuditRecord
from audit.query import AuditFilter, page
from audit.record import use_case_of
from authz.bundle import PolicyBundle
from authz.decision import Decision
from authz.diff import DecisionDiff, Flip, diff_decisions
from authz.engine import PolicyEngine
from authz.sandbox import SandboxedPolicy
from gateway.access import collection_resource, require_allowed
from gateway.admin.row_counts import CountScope, RowCounter, caller_scope
from gateway.ask.pipeline import CHAT_ACTION, DECIDED_AS
from gateway.ask.retrieve import ASK_ACTION
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.search_pipeline import SEARCH_ACTION
from gateway.service import Gateway, policy_input
from gateway.sql_pipeline import SQL_ACTION
from hqg.errors import HqgError, InvalidRequest
from hqg.resources import collection_key, collection_of
from ingestion.documents.catalog import CollectionRecord
from retrieval.sql.sources import TableSource

REPLAYED_ACTIONS = frozenset({SQL_ACTION, SEARCH_ACTION, ASK_ACTION, CHAT_ACTION})
PAGE_RECORDS = 500
NOT_COUNTED = "counts withheld: chunks of a collection are not counted"


class RowsBeforeAfter(BaseModel):
    """Rows visible before and after, as far as the caller may count them
    (``gateway.admin.row_counts``); None with ``counts_withheld`` saying why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    before: int | None
    after: int | None
    counts_withheld: str | None = None


class RequestChange(BaseModel):
    """One past request the candidate would decide differently."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str
    ts: datetime
    principal: str
    purpose: str | None
    action: str
    datasets: tuple[str, ...]
    diff: DecisionDiff
    rows: dict[str, RowsBeforeAfter]


class Impact(BaseModel):
    """Per principal and dataset: how many requests change, how, and the rows visible (as of
    the latest request; None with ``counts_withheld`` when the caller may not count them)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    principal: str
    dataset: str
    requests: int
    allow_to_deny: int = 0
    deny_to_allow: int = 0
    masks_added: tuple[str, ...] = ()
    masks_removed: tuple[str, ...] = ()
    rows_before: int | None
    rows_after: int | None
    counts_withheld: str | None = None


class SimulationReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    baseline_policy_hash: str
    candidate_policy_hash: str
    since: datetime | None
    records: int
    cursor: int | None = None  # more records remain: pass it back to replay on from there
    replayed: int
    skipped: dict[str, int] = Field(default_factory=dict)
    allow_to_deny: int
    deny_to_allow: int
    changes: tuple[RequestChange, ...]
    impact: tuple[Impact, ...]

    @property
    def flips(self) -> int:
        return self.allow_to_deny + self.deny_to_allow


@dataclass(frozen=True)
class _Pending:
    """A record to replay: its datasets and collections as they serve today and the policy
    input rebuilt."""

    record: AuditRecord
    used: dict[str, TableSource]
    collections: tuple[str, ...]
    document: dict[str, Any]


@dataclass(frozen=True)
class _Replay:
    record: AuditRecord
    before: Decision
    after: Decision
    rows: dict[str, RowsBeforeAfter]


def simulate(
    gateway: Gateway,
    ctx: RequestContext,
    *,
    candidate: Callable[[], PolicyBundle],
    since: datetime | None = None,
    cursor: int | None = None,
) -> SimulationReport:
    """Replay the audit log under the bundle ``candidate()`` loads (needs ``policy.simulate``).

    The candidate is loaded only once the caller is authorised; it is decided in a bounded
    worker process (``authz.sandbox``), and rows are counted only as far as the
    caller may count them (``gateway.admin.row_counts``).
    """
    trail = AuditTrail(gateway, ctx, action="policy.simulate")
    with trail.recording():
        trail.decision = gateway.decide(ctx, action="policy.simulate")
        require_allowed(trail.decision)
        limits = gateway.settings.policy.candidate_limits()
        engine = SandboxedPolicy(candidate(), limits, gateway.ops.candidate_workers)
        return replay(
            gateway,
            ctx,
            gateway.audit.path,
            candidate=engine,
            since=since,
            cursor=cursor,
            max_records=gateway.settings.policy.simulate_max_records,
        )


def replay(
    gateway: Gateway,
    ctx: RequestContext,
    log_path: Path,
    *,
    candidate: SandboxedPolicy,
    since: datetime | None = None,
    cursor: int | None = None,
    max_records: int = PAGE_RECORDS,
) -> SimulationReport:
    """The report for the records of the audit log at ``log_path`` (at or after ``since``,
    from ``cursor``, at most ``max_records``), with counts scoped to what ``ctx`` may read."""
    datasets = gateway.datasets()
    state = _State(
        sources=gateway.sources(datasets),
        collections={r.name: r for r in gateway.documents.collections()},
    )
    counter = RowCounter(gateway.queries)
    flt = AuditFilter(since=since)
    while True:
        want = min(PAGE_RECORDS, max_records - state.records)
        try:
            found = page(log_path, flt, limit=want, cursor=cursor, newest_first=False)
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from exc
        pending = state.read([e.record for e in found.entries], gateway)
        names = sorted({name for p in pending for name in p.used})
        scope = caller_scope(gateway, ctx, datasets, names)
        after = candidate.decide_all([p.document for p in pending]) if pending else []
        state.replays += [
            _replayed(gateway.policy.decide(p.document), later, p, counter, scope)
            for p, later in zip(pending, after, strict=True)
        ]
        cursor = found.cursor
        if cursor is None or state.records >= max_records:
            break
    return _report(gateway.policy, candidate, since, state, cursor)


@dataclass
class _State:
    """What a replay has read so far: today's resources, the counts, the replays."""

    sources: dict[str, TableSource]
    collections: dict[str, CollectionRecord]
    records: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    replays: list[_Replay] = field(default_factory=list)

    def read(self, records: Sequence[AuditRecord], gateway: Gateway) -> list[_Pending]:
        """The replay inputs of ``records``; the others are counted as skipped, by reason."""
        pending = []
        for record in records:
            self.records += 1
            outcome = _pending(gateway, record, self.sources, self.collections)
            if isinstance(outcome, str):
                self.skipped[outcome] = self.skipped.get(outcome, 0) + 1
            else:
                pending.append(outcome)
        return pending


def _pending(
    gateway: Gateway,
    record: AuditRecord,
    sources: Mapping[str, TableSource],
    collections: Mapping[str, CollectionRecord],
) -> _Pending | str:
    """The replay input of one record, or why it is skipped."""
    action = use_case_of(record)
    if action not in REPLAYED_ACTIONS:
        return f"action {record.action} is not replayed"
    if record.decision_id is None or not record.datasets:
        return "refused before policy decided"
    principal = gateway.principals.find(record.principal_id or "")
    if principal is None:
        return "principal no longer exists"
    keys = [d.name for d in record.datasets]
    tables = [key.lower() for key in keys if collection_of(key) is None]
    named = [name for key in keys if (name := collection_of(key)) is not None]
    if any(name not in sources for name in tables):
        return "dataset no longer exists"
    if any(name not in collections for name in named):
        return "collection no longer exists"
    try:
        ctx = RequestContext.create(principal, purpose=record.purpose, request_id=record.request_id)
    except HqgError:
        return "purpose is no longer valid"
    used = {name: sources[name] for name in tables}
    document = policy_input(
        ctx,
        action=DECIDED_AS.get(action, action),
        tables=[s.contract for s in used.values()],
        collections=[collection_resource(collections[name]) for name in named],
    )
    return _Pending(record=record, used=used, collections=tuple(named), document=document)


def _replayed(
    before: Decision,
    after: Decision,
    pending: _Pending,
    counter: RowCounter,
    scope: CountScope,
) -> _Replay:
    rows = {
        name: _table_rows(name, source, before, after, counter, scope)
        for name, source in pending.used.items()
    }
    for name in pending.collections:
        rows[collection_key(name)] = RowsBeforeAfter(
            before=None if before.allow else 0,
            after=None if after.allow else 0,
            counts_withheld=NOT_COUNTED if before.allow or after.allow else None,
        )
    return _Replay(record=pending.record, before=before, after=after, rows=rows)


def _table_rows(
    name: str,
    source: TableSource,
    before: Decision,
    after: Decision,
    counter: RowCounter,
    scope: CountScope,
) -> RowsBeforeAfter:
    """Rows of one table before and after; a denying side sees 0, whatever may be counted."""
    used = {name: source}
    seen_before = counter.counts(used, before.tables if before.allow else {}, scope=scope)[name]
    seen_after = counter.counts(used, after.tables if after.allow else {}, scope=scope)[name]
    why = seen_before.counts_withheld if before.allow else None
    return RowsBeforeAfter(
        before=seen_before.visible if before.allow else 0,
        after=seen_after.visible if after.allow else 0,
        counts_withheld=why or (seen_after.counts_withheld if after.allow else None),
    )


def _report(
    baseline: PolicyEngine,
    candidate: SandboxedPolicy,
    since: datetime | None,
    state: _State,
    cursor: int | None,
) -> SimulationReport:
    changes = [_change(r, diff_decisions(r.before, r.after)) for r in state.replays]
    changed = tuple(c for c in changes if c.diff.changed or _rows_changed(c))
    return SimulationReport(
        baseline_policy_hash=baseline.policy_hash,
        candidate_policy_hash=candidate.policy_hash,
        since=since,
        records=state.records,
        cursor=cursor,
        replayed=len(state.replays),
        skipped=dict(sorted(state.skipped.items())),
        allow_to_deny=_flips(changes, "allow->deny"),
        deny_to_allow=_flips(changes, "deny->allow"),
        changes=changed,
        impact=_impact(changes),
    )


def _change(replay: _Replay, diff: DecisionDiff) -> RequestChange:
    record = replay.record
    return RequestChange(
        request_id=record.request_id,
        ts=record.ts,
        principal=record.principal_id or "",
        purpose=record.purpose,
        action=record.action,
        datasets=tuple(replay.rows),
        diff=diff,
        rows=replay.rows,
    )


def _rows_changed(change: RequestChange) -> bool:
    return any(r.before != r.after for r in change.rows.values())


def _flips(changes: Iterable[RequestChange], flip: Flip) -> int:
    return sum(1 for c in changes if c.diff.flip == flip)


def _impact(changes: list[RequestChange]) -> tuple[Impact, ...]:
    groups: dict[tuple[str, str], list[RequestChange]] = {}
    for change in changes:
        for dataset in change.datasets:
            groups.setdefault((change.principal, dataset), []).append(change)
    impact = []
    for (principal, dataset), members in sorted(groups.items()):
        prefix = f"{dataset}."
        latest = max(members, key=lambda c: c.ts)
        impact.append(
            Impact(
                principal=principal,
                dataset=dataset,
                requests=len(members),
                allow_to_deny=_flips(members, "allow->deny"),
                deny_to_allow=_flips(members, "deny->allow"),
                masks_added=_columns(members, prefix, added=True),
                masks_removed=_columns(members, prefix, added=False),
                rows_before=latest.rows[dataset].before,
                rows_after=latest.rows[dataset].after,
                counts_withheld=latest.rows[dataset].counts_withheld,
            )
        )
    return tuple(impact)


def _columns(members: list[RequestChange], prefix: str, *, added: bool) -> tuple[str, ...]:
    found = {
        column.removeprefix(prefix)
        for change in members
        for column in (change.diff.masks_added if added else change.diff.masks_removed)
        if column.startswith(prefix)
    }
    return tuple(sorted(found))
