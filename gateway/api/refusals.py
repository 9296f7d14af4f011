"""The audit record of a request refused before (or outside) its pipeline.

Pipelines audit every way they end (``AuditTrail.recording``). A request can also be refused
before its pipeline runs: a body over the size limit, invalid text, a body that fails
validation, a route-level check. Such a refusal of an authenticated caller on an audited route
still gets exactly one record, with the status the caller receives, so the audit log and the
responses never disagree. Unauthenticated callers are not audited (as for a 401): there is no
principal to record, and recording anonymous noise would let anyone fill the log.
"""

from __future__ import annotations

from starlette.requests import Request

from gateway.auditing import AuditTrail, mark_audited, was_audited
from gateway.context import RequestContext
from gateway.ops.enforce import action_for_route, route_path
from gateway.service import Gateway
from hqg.errors import HqgError


def audit_refusal(request: Request, exc: BaseException, *, status: int, code: str) -> None:
    """Write the record of ``exc`` unless a pipeline already did; raises ``Unavailable`` when
    the audit log cannot be written (the caller then answers 503, never the refusal)."""
    if was_audited(exc):
        return
    action = action_for_route(route_path(request.scope.get("route")) or request.scope.get("path"))
    if action is None:
        return
    gateway: Gateway = request.app.state.gateway
    ctx = _context(request, gateway)
    if ctx is None:
        return
    AuditTrail(gateway, ctx, action=action).write(status=status, reasons=(code,))
    mark_audited(exc)


def _context(request: Request, gateway: Gateway) -> RequestContext | None:
    """The request's context if authentication ran, else one from its bearer key, if valid."""
    ctx: RequestContext | None = getattr(request.state, "context", None)
    if ctx is not None:
        return ctx
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    try:
        principal = gateway.principals.authenticate(key.strip())
    except HqgError:
        return None
    request_id = getattr(request.state, "request_id", None)
    return RequestContext.create(principal, purpose=None, request_id=request_id)
