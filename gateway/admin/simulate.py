"""Impact simulation: replay audited requests under a candidate bundle before it ships.

Each audited data request is decided again twice, on the same input: by the enforced policy
(the baseline) and by the candidate. The report names every request whose decision would
change (allow->deny, deny->allow, masks added/removed, row filters changed) and, per principal
and dataset, how many rows would be visible before and after, recomputed with ``count(*)``
under each decision's row filter (counts only, never values, and only as far as the CALLER
may count: its own grants scope every count, ``gateway.admin.row_counts``).

What a replay can and cannot know: the audit record keeps who, which purpose, which datasets
and versions, not the principal's attributes or the contract at the time. The input is rebuilt
from today's principal directory and catalog; a principal or dataset that no longer exists is
skipped and counted. Requests refused before policy was asked (unsafe SQL) are not replayed.

The candidate is the caller's code: it is decided in one bounded child process for the whole
replay (``authz.sandbox``, regorus), never in the gateway's process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from audit import AuditRecord, iter_records
from audit.record import use_case_of
from authz.bundle import PolicyBundle
from authz.decision import Decision
from authz.diff import DecisionDiff, Flip, diff_decisions
from authz.engine import PolicyEngine
from authz.sandbox import SandboxedPolicy
from gateway.access import require_allowed
from gateway.admin.row_counts import CountScope, RowCounter, caller_scope
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.service import Gateway, policy_input
from hqg.errors import HqgError
from retrieval.sql.sources import TableSource

REPLAYED_ACTIONS = frozenset({"sql"})


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
    """A record to replay: its datasets as they serve today and the policy input rebuilt."""

    record: AuditRecord
    used: dict[str, TableSource]
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
        return replay(gateway, ctx, gateway.audit.path, candidate=engine, since=since)


def replay(
    gateway: Gateway,
    ctx: RequestContext,
    log_path: Path,
    *,
    candidate: SandboxedPolicy,
    since: datetime | None = None,
) -> SimulationReport:
    """The report for every record of the audit log at ``log_path`` (at or after ``since``),
    with counts scoped to what the caller ``ctx`` may read."""
    datasets = gateway.datasets()
    sources = gateway.sources(datasets)
    skipped: dict[str, int] = {}
    pending: list[_Pending] = []
    records = 0
    for record in iter_records(log_path, since=since):
        records += 1
        outcome = _pending(gateway, record, sources)
        if isinstance(outcome, str):
            skipped[outcome] = skipped.get(outcome, 0) + 1
        else:
            pending.append(outcome)
    after = candidate.decide_all([p.document for p in pending])
    names = sorted({name for p in pending for name in p.used})
    scope = caller_scope(gateway, ctx, datasets, names)
    counter = RowCounter(gateway.queries)
    replays = [
        _replayed(gateway.policy.decide(p.document), later, p, counter, scope)
        for p, later in zip(pending, after, strict=True)
    ]
    return _report(gateway.policy, candidate, since, records, skipped, replays)


def _pending(
    gateway: Gateway, record: AuditRecord, sources: dict[str, TableSource]
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
    names = [d.name.lower() for d in record.datasets]
    if any(name not in sources for name in names):
        return "dataset no longer exists"
    try:
        ctx = RequestContext.create(principal, purpose=record.purpose, request_id=record.request_id)
    except HqgError:
        return "purpose is no longer valid"
    used = {name: sources[name] for name in names}
    document = policy_input(ctx, action=action, tables=[s.contract for s in used.values()])
    return _Pending(record=record, used=used, document=document)


def _replayed(
    before: Decision, after: Decision, pending: _Pending, counter: RowCounter, scope: CountScope
) -> _Replay:
    seen_before = counter.counts(pending.used, before.tables if before.allow else {}, scope=scope)
    seen_after = counter.counts(pending.used, after.tables if after.allow else {}, scope=scope)
    rows = {
        name: RowsBeforeAfter(
            before=seen_before[name].visible,
            after=seen_after[name].visible,
            counts_withheld=seen_before[name].counts_withheld or seen_after[name].counts_withheld,
        )
        for name in pending.used
    }
    return _Replay(record=pending.record, before=before, after=after, rows=rows)


def _report(
    baseline: PolicyEngine,
    candidate: SandboxedPolicy,
    since: datetime | None,
    records: int,
    skipped: dict[str, int],
    replays: list[_Replay],
) -> SimulationReport:
    changes = [_change(r, diff_decisions(r.before, r.after)) for r in replays]
    changed = tuple(c for c in changes if c.diff.changed or _rows_changed(c))
    return SimulationReport(
        baseline_policy_hash=baseline.policy_hash,
        candidate_policy_hash=candidate.policy_hash,
        since=since,
        records=records,
        replayed=len(replays),
        skipped=dict(sorted(skipped.items())),
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
