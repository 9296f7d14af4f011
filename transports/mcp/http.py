"""MCP over streamable HTTP at ``/mcp``, on the REST app, with the REST app's API keys.

Every HTTP request to ``/mcp`` needs ``Authorization: Bearer <API key>``; without a valid one
it is answered 401 with ``WWW-Authenticate: Bearer resource_metadata="…"`` pointing at the
OAuth 2.0 protected-resource metadata (RFC 9728) served at
``/.well-known/oauth-protected-resource`` (and its ``/mcp`` suffixed form, which MCP clients
try first). The key is resolved to a principal here and never forwarded anywhere. The app's
request edge (size and text checks, request id, access log) runs in front of this endpoint
as it does for every route.

A request carrying an ``Origin`` header (a browser's) is refused 403 unless that origin is in
``HQG_MCP__ALLOWED_ORIGINS`` (``gateway/settings/mcp.py`` says why), before its key is read.

Stateless and JSON responses: each HTTP request carries one MCP request and is served on its
own, with its own request id and decisions, so nothing about a caller outlives its request
and a session cannot be hijacked to act as someone else.
"""

from __future__ import annotations

from typing import Any

from mcp.server.context import ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from gateway.ask.answerers import ChatModel
from gateway.components import Lazy
from gateway.context import RequestContext, new_request_id
from gateway.service import Gateway
from hqg.errors import AuthError, HqgError, OriginNotAllowed
from transports.mcp.server import build_server

PATH = "/mcp"
METADATA_PATH = "/.well-known/oauth-protected-resource"
_CONTEXT = "hqg_mcp_context"


class McpHttp:
    """The ``/mcp`` endpoint, an ASGI app that needs no lifespan: each request is served by a
    stateless session manager of its own, run for that request only (the SDK's stateless mode
    keeps nothing between requests anyway), so the endpoint works in any host app and event
    loop, and nothing of one caller's request is left for the next."""

    def __init__(self, gateway: Gateway, *, chat_model: Lazy[ChatModel]) -> None:
        self.gateway = gateway
        self.allowed_origins = frozenset(gateway.settings.mcp.allowed_origins)
        self.server = build_server(gateway, caller=_caller, chat_model=chat_model)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            self._check_origin(request)
            ctx = self._authenticate(request)
        except HqgError as exc:
            await _refused(request, exc)(scope, receive, send)
            return
        request.state.principal_id = ctx.principal.id  # the access log's
        setattr(request.state, _CONTEXT, ctx)
        manager = StreamableHTTPSessionManager(app=self.server, json_response=True, stateless=True)
        async with manager.run():
            await manager.handle_request(scope, receive, send)

    def _check_origin(self, request: Request) -> None:
        origin = request.headers.get("origin")
        if origin is not None and origin.lower() not in self.allowed_origins:
            raise OriginNotAllowed(
                "this web origin may not call /mcp: an operator lists the origins whose pages "
                "may, in HQG_MCP__ALLOWED_ORIGINS"
            )

    def _authenticate(self, request: Request) -> RequestContext:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise AuthError("missing API key: send 'Authorization: Bearer <key>'")
        principal = self.gateway.principals.authenticate(key.strip())
        request_id = getattr(request.state, "request_id", None) or new_request_id()
        purpose = request.headers.get("x-purpose")
        return RequestContext.create(principal, purpose=purpose, request_id=request_id)


def _caller(ctx: ServerRequestContext[Any, Any]) -> RequestContext:
    """The context ``McpHttp`` authenticated for this HTTP request (none: refused)."""
    request = ctx.request
    found = getattr(request.state, _CONTEXT, None) if isinstance(request, Request) else None
    if not isinstance(found, RequestContext):
        raise AuthError("this MCP request carries no authenticated caller")
    return found


def _refused(request: Request, exc: HqgError) -> JSONResponse:
    """The REST error shape; a 401 names the metadata that describes the scheme."""
    body = {
        "error": {
            "code": exc.code,
            "message": exc.message,
            "request_id": getattr(request.state, "request_id", None),
        }
    }
    headers = {}
    if isinstance(exc, AuthError):
        url = metadata_url(request)
        headers["WWW-Authenticate"] = (
            f'Bearer resource_metadata="{url}", error="invalid_token", '
            'error_description="a valid hqg API key is required"'
        )
    return JSONResponse(body, status_code=exc.status, headers=headers)


def resource_url(request: Request) -> str:
    return f"{_origin(request)}{PATH}"


def metadata_url(request: Request) -> str:
    return f"{_origin(request)}{METADATA_PATH}"


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


async def protected_resource_metadata(request: Request) -> JSONResponse:
    """RFC 9728 metadata: the resource is ``/mcp``, its token an hqg API key sent as a bearer
    header. No authorization server issues those keys (an operator does), so none is named."""
    return JSONResponse(
        {
            "resource": resource_url(request),
            "resource_name": "hqg governed data gateway (MCP)",
            "bearer_methods_supported": ["header"],
            "scopes_supported": [],
        },
        headers={"Cache-Control": "public, max-age=3600"},
    )
