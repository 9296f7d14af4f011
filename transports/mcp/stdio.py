"""MCP over stdio (``hqg mcp``): one local client, one principal, named by its API key.

The key comes from the environment (``HQG_API_KEY``), as for every ``hqg`` command, and is
checked before the server starts (a missing or wrong key is an error, not a server that
refuses everything). It is authenticated again on every request, so a key removed from the
principals file stops working without a restart; each request gets its own request id.
"""

from __future__ import annotations

from typing import Any

from mcp.server.context import ServerRequestContext
from mcp.server.stdio import stdio_server

from gateway.components import Lazy
from gateway.context import RequestContext
from gateway.service import Gateway
from gateway.wiring import build_chat_model
from transports.mcp.server import build_server


async def serve_stdio(gateway: Gateway, *, key: str, purpose: str | None) -> None:
    """Serve MCP on this process's stdin and stdout until the client closes them."""

    def context() -> RequestContext:
        return RequestContext.create(gateway.principals.authenticate(key), purpose=purpose)

    def caller(_: ServerRequestContext[Any, Any]) -> RequestContext:
        return context()

    context()  # a wrong key or purpose fails here, before the client is told we serve
    server = build_server(
        gateway, caller=caller, chat_model=Lazy(lambda: build_chat_model(gateway))
    )
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
