"""The audit chain's state for the security team: its head, the last verification, "verify now".

Pages and single records are read by ``gateway.admin.audit_read`` (the one reader, shared with
``/v1/audit`` and the CLI). Every read here needs ``audit.read`` and is itself audited under
that action. A verification is audited with its outcome
(``extra``: ``verified``, ``records``), which is how the console knows the last one: the log
holds its own check history, in every process, across restarts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from audit import VerifyReport, verify
from audit.chain import ChainLink
from audit.head import read_head
from audit.query import AuditFilter, page
from audit.verify import Progress
from gateway.access import require_allowed
from gateway.admin.audit_read import AUDIT_READ_ACTION as READ_ACTION
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.service import Gateway

_LAST_VERIFY_SCAN = 10_000


class ChainStatus(BaseModel):
    """The head the log claims and the newest verification recorded in it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    head: ChainLink | None
    last_verified_at: datetime | None
    last_verified_ok: bool | None
    last_verified_records: int | None


def chain_status(gateway: Gateway, ctx: RequestContext) -> ChainStatus:
    with _reading(gateway, ctx):
        return _status(gateway)


def verify_chain(
    gateway: Gateway, ctx: RequestContext, *, progress: Progress | None = None
) -> VerifyReport:
    """Check the whole chain now (``progress`` is told the lines checked so far); the outcome
    goes into this request's own record."""
    trail = AuditTrail(gateway, ctx, action=READ_ACTION)
    with trail.recording():
        trail.decision = gateway.decide(ctx, action=READ_ACTION)
        require_allowed(trail.decision)
        report = verify(gateway.audit.path, progress=progress)
        trail.extra.update(verified=report.ok, records=report.records)
        return report


@contextmanager
def _reading(gateway: Gateway, ctx: RequestContext) -> Iterator[None]:
    """Decide ``audit.read`` and audit the read, however it ends."""
    trail = AuditTrail(gateway, ctx, action=READ_ACTION)
    with trail.recording():
        trail.decision = gateway.decide(ctx, action=READ_ACTION)
        require_allowed(trail.decision)
        yield


def _status(gateway: Gateway) -> ChainStatus:
    path = gateway.audit.path
    verified = page(
        path, AuditFilter(action=READ_ACTION), limit=1000, max_scan=_LAST_VERIFY_SCAN
    ).entries
    last = next((e.record for e in verified if "verified" in e.record.extra), None)
    records = None if last is None else last.extra.get("records")
    return ChainStatus(
        head=read_head(path),
        last_verified_at=None if last is None else last.ts,
        last_verified_ok=None if last is None else bool(last.extra["verified"]),
        last_verified_records=records if isinstance(records, int) else None,
    )
