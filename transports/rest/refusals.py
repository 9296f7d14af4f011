"""The audit record of a request refused before (or outside) its pipeline.

Pipelines audit every way they end (``AuditTrail.recording``). A request can also be refused
before its pipeline runs: a body over the size limit, invalid text, a body that fails
validation, an unknown route, a wrong method. Such a refusal of an authenticated caller still
gets exactly one record, with the status the caller receives, so the audit log and the
responses never disagree, and it counts against the caller's rate limit and quota like any
request (otherwise oversized or malformed requests would be free for an attacker with a key).
Unauthenticated callers are not audited (as for a 401): there is no principal to record, and
recording anonymous noise would let anyone fill the log.

The record's action comes from the route template the request matches (resolved here when the
refusal came before routing), or is the fixed ``http.unrouted``: never from the request path,
which is caller text.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Match

from audit.marks import mark_audited, was_audited
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.service import Gateway
from hqg.errors import HqgError, RateLimited
from transports.rest.enforce import action_for_route, route_path

UNROUTED = "http.unrouted"


def audit_refusal(
    request: Request, exc: BaseException, *, status: int, code: str
) -> RateLimited | None:
    """Write the record of ``exc`` unless a pipeline already did; raises ``Unavailable`` when
    the audit log cannot be written (the caller then answers 503, never the refusal).

    Returns the ``RateLimited`` to answer instead when this refusal found the caller's budget
    spent (that refusal is what the record says).
    """
    gateway: Gateway | None = getattr(request.app.state, "gateway", None)
    if was_audited(exc) or gateway is None:
        return None
    action = _action(request)
    if action is None:
        return None
    ctx = getattr(request.state, "context", None)  # set only after authentication and limits
    if ctx is None:
        ctx = _from_bearer(request, gateway)
        if ctx is None:
            return None
        try:
            gateway.ops.limiter.acquire(principal=ctx.principal.id, tenant=ctx.principal.tenant)
        except RateLimited as limited:
            AuditTrail(gateway, ctx, action=action).fail(limited)
            mark_audited(exc)
            return limited
    AuditTrail(gateway, ctx, action=action).write(status=status, reasons=(code,))
    mark_audited(exc)
    return None


def _action(request: Request) -> str | None:
    """The audit action of the route the request matches; ``UNROUTED`` when none does."""
    template = route_path(request.scope.get("route")) or _template(request)
    return UNROUTED if template is None else action_for_route(template)


def _template(request: Request) -> str | None:
    """The template of the route this request would reach (refusals before routing have none
    in their scope); a route matching the path with another method counts (a 405)."""
    scope = {**request.scope, "type": "http"}
    partial: str | None = None
    for route in getattr(request.app.state, "api_routes", ()):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route_path(route)
        if match is Match.PARTIAL and partial is None:
            partial = route_path(route)
    return partial


def _from_bearer(request: Request, gateway: Gateway) -> RequestContext | None:
    """A context from the request's bearer key, if valid."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    try:
        principal = gateway.principals.authenticate(key.strip())
    except HqgError:
        return None
    request_id = getattr(request.state, "request_id", None)
    return RequestContext.create(principal, purpose=None, request_id=request_id)
