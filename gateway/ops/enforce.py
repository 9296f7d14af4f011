"""Admission after authentication: the rate limit, with refusals audited like any other.

A 429 is an ``HqgError`` raised before the route's pipeline runs, so the pipeline's own
``AuditTrail`` never sees it; this module writes that record instead (and thereby counts it
in the metrics and the usage ledger) under the action the route would have audited.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.service import Gateway
from hqg.errors import RateLimited

ROUTE_ACTIONS: dict[str, str] = {
    "/v1/sql": "sql",
    "/v1/search": "search",
    "/v1/ask": "ask",
    "/v1/chat/completions": "chat",
    "/v1/catalog": "catalog",
    "/v1/audit": "audit",
}


def action_for_route(path: str | None) -> str | None:
    """The audit action of an authenticated route template; None if unknown."""
    if path is None:
        return None
    if path in ROUTE_ACTIONS:
        return ROUTE_ACTIONS[path]
    prefix = "/v1/policy/"
    name = path.removeprefix(prefix)
    if path.startswith(prefix) and name.isidentifier() and name.islower():
        return f"policy.{name}"
    return None


def route_path(route: object) -> str | None:
    """The template of a matched route (``scope["route"]``), never the raw request path."""
    return route.path if isinstance(route, BaseRoute) and hasattr(route, "path") else None


def enforce_limits(gateway: Gateway, ctx: RequestContext, *, route: object) -> None:
    """Admit the authenticated request or raise ``RateLimited`` (already audited)."""
    try:
        gateway.ops.limiter.acquire(principal=ctx.principal.id, tenant=ctx.principal.tenant)
    except RateLimited as exc:
        action = action_for_route(route_path(route))
        if action is not None:
            AuditTrail(gateway, ctx, action=action).fail(exc)
        raise
