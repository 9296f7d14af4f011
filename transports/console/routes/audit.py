"""The audit browser: filters and pages, one record, the chain's status and "verify now"."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse

from audit import VerifyReport
from audit.head import read_head
from audit.query import AuditFilter, Outcome
from gateway.admin.audit_read import read_audit, show_audit_record
from gateway.admin.audit_view import chain_status, verify_chain
from hqg.errors import InvalidRequest, NotFound
from transports.console.jobs import Job
from transports.console.web import (
    PREFIX,
    ConsoleUser,
    form_action,
    gateway_of,
    page,
    render,
    session_user,
    state_of,
)

router = APIRouter()
Auditor = Annotated[ConsoleUser, Depends(page("console.audit"))]
Verifier = Annotated[ConsoleUser, Depends(form_action("console.audit"))]
_FIELD = r"^[A-Za-z0-9_.:@*-]{0,64}$"
PAGE_SIZE = 25


@router.get(f"{PREFIX}/audit")
def audit_browser(
    request: Request,
    user: Auditor,
    principal: Annotated[str, Query(pattern=_FIELD)] = "",
    action: Annotated[str, Query(pattern=_FIELD)] = "",
    outcome: Annotated[Literal["", "allowed", "denied"], Query()] = "",
    resource: Annotated[str, Query(pattern=_FIELD)] = "",
    decision_id: Annotated[str, Query(pattern=_FIELD)] = "",
    since: Annotated[str, Query(max_length=32)] = "",
    until: Annotated[str, Query(max_length=32)] = "",
    cursor: Annotated[int | None, Query(ge=0)] = None,
) -> HTMLResponse:
    gateway = gateway_of(request)
    flt = AuditFilter(
        principal=principal or None,
        action=action or None,
        outcome=Outcome(outcome) if outcome else None,
        resource=resource or None,
        decision_id=decision_id or None,
        since=_instant(since, "since"),
        until=_instant(until, "until"),
    )
    found = read_audit(gateway, user.ctx, flt, limit=PAGE_SIZE, cursor=cursor)
    filters = {
        "principal": principal,
        "action": action,
        "outcome": outcome,
        "resource": resource,
        "decision_id": decision_id,
        "since": since,
        "until": until,
    }
    return render(
        request,
        "audit.html",
        user=user,
        entries=[(e.seq, e.record) for e in found.entries],
        next_cursor=found.cursor,
        scanned=found.scanned,
        filters=filters,
        chain=chain_status(gateway, user.ctx),
    )


@router.get(f"{PREFIX}/audit/record/{{ident}}")
def audit_record(
    request: Request, user: Auditor, ident: Annotated[str, Path(pattern=_FIELD)]
) -> HTMLResponse:
    entry = show_audit_record(gateway_of(request), user.ctx, ident)
    return render(request, "record.html", user=user, seq=entry.seq, record=entry.record)


@router.post(f"{PREFIX}/audit/verify")
def verify_now(request: Request, user: Verifier) -> HTMLResponse:
    """Start checking the whole chain in the background; the page polls its progress."""
    gateway = gateway_of(request)
    head = read_head(gateway.audit.path)

    def work(job: Job[VerifyReport]) -> VerifyReport:
        return verify_chain(gateway, user.ctx, progress=job.advance)

    total = None if head is None else head.count
    ident = state_of(request).verify_jobs.start(user.ctx.principal.id, total, work)
    return _progress(request, user, ident, status=202)


@router.get(f"{PREFIX}/audit/verify/{{ident}}")
def verify_progress(
    request: Request, ident: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
) -> HTMLResponse:
    """A started verification's progress; only its owner's session may read it. Not a new
    action (nothing is decided or read here), so polling writes no audit records."""
    return _progress(request, session_user(request), ident, status=200)


def _progress(request: Request, user: ConsoleUser, ident: str, *, status: int) -> HTMLResponse:
    job = state_of(request).verify_jobs.get(ident, user.ctx.principal.id)
    if job is None:
        raise NotFound("no such verification (it may have expired): start another")
    return render(request, "verify.html", user=user, status=status, job=job, ident=ident)


def _instant(text: str, name: str) -> datetime | None:
    """A ``datetime-local`` field (or ISO 8601) as a UTC instant; naive times are UTC."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidRequest(f"{name}: expected a date and time such as 2026-12-01T09:30") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)
