"""Request dependencies: the gateway, and the authenticated request context.

Both are ``async``: FastAPI runs a plain ``def`` dependency in a worker thread, and these do
microseconds of work (a SHA-256, a dictionary lookup, the rate limiter's counters), less than
the hop to a thread and back costs on every request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from gateway.context import RequestContext
from gateway.service import Gateway
from hqg.errors import AuthError
from transports.rest.enforce import admit


async def get_gateway(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


async def get_context(
    request: Request,
    gateway: Annotated[Gateway, Depends(get_gateway)],
    authorization: Annotated[str | None, Header()] = None,
    x_purpose: Annotated[str | None, Header()] = None,
) -> RequestContext:
    """Authenticate the bearer key; the purpose header may be overridden by a body field."""
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise AuthError("missing API key: send 'Authorization: Bearer <key>'")
    principal = gateway.principals.authenticate(key.strip())
    ctx = RequestContext.create(principal, purpose=x_purpose, request_id=request.state.request_id)
    request.state.principal_id = principal.id
    request.state.context = ctx
    await admit(gateway, ctx, route=request.scope.get("route"))
    return ctx


GatewayDep = Annotated[Gateway, Depends(get_gateway)]
ContextDep = Annotated[RequestContext, Depends(get_context)]
