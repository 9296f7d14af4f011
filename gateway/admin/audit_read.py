"""``GET /v1/audit``, ``hqg audit tail`` and ``hqg audit show``: the security team reads the log.

The caller needs ``audit.read`` (the security role). Records hold no raw PII (``audit.record``),
so they are served as kept. Every read is itself audited (``audit.read``), and reading is paged
and bounded by ``audit.query``: a page holds at most ``MAX_LIMIT`` records and reads at most
``max_scan`` lines, so no request walks an unbounded log in the gateway's process.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from audit import AuditRecord
from audit.query import DEFAULT_MAX_SCAN, AuditFilter, find, page
from gateway.access import require_allowed
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.service import Gateway
from hqg.errors import InvalidRequest, NotFound

AUDIT_READ_ACTION = "audit.read"


class AuditEntryView(BaseModel):
    """One record and its line number in the chain."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int
    record: AuditRecord


class AuditPageResponse(BaseModel):
    """Matches newest first; pass ``cursor`` back to read on (None: nothing older)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str
    entries: tuple[AuditEntryView, ...]
    cursor: int | None
    scanned: int


def read_audit(
    gateway: Gateway,
    ctx: RequestContext,
    flt: AuditFilter,
    *,
    limit: int,
    cursor: int | None = None,
    max_scan: int = DEFAULT_MAX_SCAN,
) -> AuditPageResponse:
    """One page of records matching ``flt``, newest first (needs ``audit.read``)."""
    trail = AuditTrail(gateway, ctx, action=AUDIT_READ_ACTION)
    with trail.recording():
        trail.decision = gateway.decide(ctx, action=AUDIT_READ_ACTION)
        require_allowed(trail.decision)
        try:
            found = page(gateway.audit.path, flt, limit=limit, cursor=cursor, max_scan=max_scan)
        except ValueError as exc:  # the cursor or limit is the caller's input
            raise InvalidRequest(str(exc)) from exc
        trail.rows = len(found.entries)
        return AuditPageResponse(
            request_id=ctx.request_id,
            entries=tuple(AuditEntryView(seq=e.seq, record=e.record) for e in found.entries),
            cursor=found.cursor,
            scanned=found.scanned,
        )


def show_audit_record(
    gateway: Gateway, ctx: RequestContext, ident: str, *, max_scan: int = DEFAULT_MAX_SCAN
) -> AuditEntryView:
    """The record with request id, decision id or line number ``ident`` (needs ``audit.read``)."""
    trail = AuditTrail(gateway, ctx, action=AUDIT_READ_ACTION)
    with trail.recording():
        trail.decision = gateway.decide(ctx, action=AUDIT_READ_ACTION)
        require_allowed(trail.decision)
        entry = find(gateway.audit.path, ident, max_scan=max_scan)
        if entry is None:
            raise NotFound(
                f"no audit record with that request id, decision id or line number among the "
                f"newest {max_scan}"
            )
        trail.rows = 1
        return AuditEntryView(seq=entry.seq, record=entry.record)
