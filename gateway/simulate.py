"""Impact simulation: replay audited requests under a candidate bundle before it ships.

Each audited data request is decided again twice, on the same input: by the enforced policy
(the baseline) and by the candidate. The report names every request whose decision would
change (allow->deny, deny->allow, masks added/removed, row filters changed) and, per principal
and dataset, how many rows would be visible before and after, recomputed with ``count(*)``
under each decision's row filter (counts only, never values).

What a replay can and cannot know: the audit record keeps who, which purpose, which datasets
and versions, not the principal's attributes or the contract at the time. The input is rebuilt
from today's principal directory and catalog; a principal or dataset that no longer exists is
skipped and counted. Requests refused before policy was asked (unsafe SQL) are not replayed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from gateway.audit import AuditRecord, iter_records
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.policy.bundle import PolicyBundle
from gateway.policy.decision import Decision
from gateway.policy.diff import DecisionDiff, Flip, diff_decisions
from gateway.policy.engine import PolicyEngine
from gateway.policy.settings import PolicySettings, engine_for_bundle
from gateway.row_counts import RowCounter
from gateway.service import Gateway, policy_input
from gateway.sql_pipeline import require_allowed
from hqg.errors import HqgError
from retrieval.sql.sources import TableSource

REPLAYED_ACTIONS = frozenset({"sql"})


class RowsBeforeAfter(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    before: int
    after: int


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
    """Per principal and dataset: how many requests change, how, and the rows visible."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    principal: str
    dataset: str
    requests: int
    allow_to_deny: int = 0
    deny_to_allow: int = 0
    masks_added: tuple[str, ...] = ()
    masks_removed: tuple[str, ...] = ()
    rows_before: int
    rows_after: int


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

    The candidate is loaded only once the caller is authorised; a broken one is a
    ``ConfigError`` naming the module.
    """
    trail = AuditTrail(gateway, ctx, action="policy.simulate")
    with trail.recording():
        trail.decision = gateway.decide(ctx, action="policy.simulate")
        require_allowed(trail.decision)
        engine = engine_for_bundle(_embedded(gateway), candidate())
        return replay(gateway, gateway.audit.path, candidate=engine, since=since)


def _embedded(gateway: Gateway) -> PolicySettings:
    """The candidate runs embedded even when the gateway asks an OPA server."""
    settings = gateway.settings.policy
    return (
        settings.model_copy(update={"engine": "regorus"}) if settings.engine == "opa" else settings
    )


def replay(
    gateway: Gateway,
    log_path: Path,
    *,
    candidate: PolicyEngine,
    since: datetime | None = None,
) -> SimulationReport:
    """The report for every record of the audit log at ``log_path`` (at or after ``since``)."""
    counter = RowCounter(gateway.queries)
    sources = gateway.sources(gateway.datasets())
    skipped: dict[str, int] = {}
    replays: list[_Replay] = []
    records = 0
    for record in iter_records(log_path, since=since):
        records += 1
        outcome = _replay_one(gateway, record, sources, candidate, counter)
        if isinstance(outcome, str):
            skipped[outcome] = skipped.get(outcome, 0) + 1
        else:
            replays.append(outcome)
    return _report(gateway.policy, candidate, since, records, skipped, replays)


def _replay_one(
    gateway: Gateway,
    record: AuditRecord,
    sources: dict[str, TableSource],
    candidate: PolicyEngine,
    counter: RowCounter,
) -> _Replay | str:
    """The replay of one record, or why it is skipped."""
    if record.action not in REPLAYED_ACTIONS:
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
    document = policy_input(ctx, action=record.action, tables=[s.contract for s in used.values()])
    before, after = gateway.policy.decide(document), candidate.decide(document)
    seen_before = counter.counts(used, before.tables if before.allow else {})
    seen_after = counter.counts(used, after.tables if after.allow else {})
    rows = {
        name: RowsBeforeAfter(before=seen_before[name].visible, after=seen_after[name].visible)
        for name in names
    }
    return _Replay(record=record, before=before, after=after, rows=rows)


def _report(
    baseline: PolicyEngine,
    candidate: PolicyEngine,
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
