"""The MCP channel of the enforcement and leakage suites: the same requests as MCP tool calls.

Each request is sent by the SDK's own client to the governed MCP server
(``transports.mcp.server``) connected in-process, as the principal and purpose of its cell,
so what is measured is what an agent gets: the tool's structured content and text, or its
tool error. All calls of a suite share one client session (one event loop).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
from mcp.client import Client
from mcp.server.context import ServerRequestContext

from gateway.ask.answerers import ChatModel
from gateway.components import Lazy
from gateway.context import RequestContext
from gateway.service import Gateway
from hqg.errors import AuthError, HqgError
from transports.mcp.server import build_server


@dataclass(frozen=True)
class McpCall:
    principal: str
    purpose: str | None
    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class McpReply:
    is_error: bool
    text: str  # every text block, as the agent reads it
    data: dict[str, Any]  # the structured content (``{"error": {...}}`` on a tool error)

    @property
    def error(self) -> dict[str, Any]:
        error = self.data.get("error") if self.is_error else None
        return error if isinstance(error, dict) else {}


def call_all(gateway: Gateway, calls: Sequence[McpCall], *, model: ChatModel) -> list[McpReply]:
    """Send ``calls`` in order; a principal that does not exist or a purpose it may not use
    is a tool error like any refusal."""
    current: list[RequestContext] = []

    def caller(_: ServerRequestContext[Any, Any]) -> RequestContext:
        if not current:
            raise AuthError("no caller")
        return current[-1]

    server = build_server(gateway, caller=caller, chat_model=Lazy(lambda: model))

    async def main() -> list[McpReply]:
        replies: list[McpReply] = []
        async with Client(server) as client:
            for call in calls:
                principal = gateway.principals.find(call.principal)
                try:
                    if principal is None:
                        raise AuthError("unknown principal")
                    current[:] = [RequestContext.create(principal, purpose=call.purpose)]
                except HqgError as exc:
                    error = {"code": exc.code, "status": exc.status}
                    replies.append(McpReply(True, exc.code, {"error": error}))
                    continue
                result = await client.call_tool(call.tool, call.arguments)
                text = "\n".join(getattr(block, "text", "") for block in result.content)
                data = result.structured_content
                data = data if isinstance(data, dict) else {}
                replies.append(McpReply(result.is_error, text, data))
        return replies

    return anyio.run(main)


def enforcement_call(case: Any) -> McpCall | None:
    """The MCP tool call of an enforcement cell (``evals.suites.enforcement.Case``); None for
    a chat cell (MCP has no chat: its ``ask`` cells are the same questions)."""
    arguments: dict[str, Any]
    if case.kind == "sql":
        tool, arguments = "query_sql", {"sql": case.text}
    elif case.kind == "search":
        tool, arguments = "search", {"query": case.text, "mode": "hybrid", "k": 5}
    elif case.kind == "ask":
        tool, arguments = "ask", {"question": case.text}
    else:
        return None
    if case.kind != "sql" and case.collections is not None:
        arguments["collections"] = list(case.collections)
    return McpCall(case.principal, case.purpose, tool, arguments)


def refused(reply: McpReply) -> bool:
    """A policy refusal, or the answer a missing object gets (``gateway.visibility``)."""
    code = reply.error.get("code")
    missing = code == "unsafe_query" and reply.error.get("rule") == "unknown_table"
    return code in ("policy_denied", "not_found", "unknown_collection") or missing
