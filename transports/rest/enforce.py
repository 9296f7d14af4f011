"""Admission after authentication: the rate limit, with refusals audited like any other.

A 429 is an ``HqgError`` raised before the route's pipeline runs, so the pipeline's own
``AuditTrail`` never sees it; this module writes that record instead (and thereby counts it
in the metrics and the usage ledger) under the action the route would have audited.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from gateway.admin.audit_read import AUDIT_READ_ACTION
from gateway.ask.model_catalog import MODELS_ACTION
from gateway.ask.pipeline import CHAT_ACTION
from gateway.ask.retrieve import ASK_ACTION
from gateway.context import RequestContext
from gateway.search_pipeline import SEARCH_ACTION
from gateway.service import Gateway
from gateway.sql_pipeline import SQL_ACTION
from gateway.tool_calls import refuse
from gateway.visibility import CATALOG_ACTION
from hqg.errors import RateLimited
from transports.rest.workers import in_worker

#: The action each audited data route's pipeline records, spelled by the pipelines themselves
#: so a refusal here is filed under the same action as the pipeline's own records.
ROUTE_ACTIONS: dict[str, str] = {
    "/v1/sql": SQL_ACTION,
    "/v1/search": SEARCH_ACTION,
    "/v1/ask": ASK_ACTION,
    "/v1/chat/completions": CHAT_ACTION,
    "/v1/catalog": CATALOG_ACTION,
    "/v1/models": MODELS_ACTION,
    "/v1/models/{model_id}": MODELS_ACTION,
    "/v1/audit": AUDIT_READ_ACTION,
    "/v1/audit/{ident}": AUDIT_READ_ACTION,
    "/mcp": "mcp.request",  # refused at the edge, before the MCP method is read
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


async def admit(gateway: Gateway, ctx: RequestContext, *, route: object) -> None:
    """Admit the authenticated request or raise ``RateLimited`` (already audited).

    On the event loop: taking from the limiter is a few dictionary operations under a lock, so
    it runs inline; only a refusal's durable audit record goes to a worker thread."""
    try:
        gateway.ops.limiter.acquire(principal=ctx.principal.id, tenant=ctx.principal.tenant)
    except RateLimited as exc:
        action = action_for_route(route_path(route))
        if action is not None:
            await in_worker(refuse, gateway, ctx, exc, action=action)
        raise
