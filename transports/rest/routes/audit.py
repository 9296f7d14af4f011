"""``GET /v1/audit`` and ``GET /v1/audit/{ident}``: the security team queries the audit log.

Filters are query parameters; the reading, the decision (``audit.read``) and the audit of the
read are the use case's (``gateway.admin.audit_read``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from audit.query import DEFAULT_LIMIT, MAX_LIMIT, AuditFilter, Outcome
from gateway.admin.audit_read import (
    AuditEntryView,
    AuditPageResponse,
    read_audit,
    show_audit_record,
)
from hqg.errors import InvalidRequest
from transports.rest.deps import ContextDep, GatewayDep

router = APIRouter(tags=["audit"])

_NAME = r"^[A-Za-z0-9_.:@-]{1,64}$"
_ACTION = r"^[a-z_]{1,32}(\.([a-z_]{1,32}|\*))?$"
Name = Annotated[str | None, Query(pattern=_NAME)]


@router.get("/v1/audit")
def get_audit(
    ctx: ContextDep,
    gateway: GatewayDep,
    principal: Name = None,
    action: Annotated[str | None, Query(pattern=_ACTION)] = None,
    outcome: Outcome | None = None,
    resource: Name = None,  # a dataset or a collection
    decision_id: Name = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[int | None, Query(ge=0)] = None,
) -> AuditPageResponse:
    """Audit records matching every given filter, newest first, one page at a time."""
    try:
        flt = AuditFilter(
            principal=principal,
            action=action,
            outcome=outcome,
            resource=resource,
            decision_id=decision_id,
            since=since,
            until=until,
        )
    except ValueError as exc:
        raise InvalidRequest(f"{exc} (add a UTC offset, e.g. 2026-12-01T00:00:00Z)") from exc
    return read_audit(gateway, ctx, flt, limit=limit, cursor=cursor)


@router.get("/v1/audit/{ident}")
def get_audit_record(
    ident: Annotated[str, Path(pattern=_NAME)], ctx: ContextDep, gateway: GatewayDep
) -> AuditEntryView:
    """One record, by request id, decision id or line number."""
    return show_audit_record(gateway, ctx, ident)
