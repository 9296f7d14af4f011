"""The SDK's own MCP client against a spawned ``hqg mcp`` (stdio) or a served ``/mcp`` (HTTP).

A scenario runs one client session and collects what the tests assert on, so a spawned server
(which loads the models) serves a whole module's checks at once.
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

Scenario = Callable[[ClientSession], Awaitable[dict[str, Any]]]


def child_env(key: str) -> dict[str, str]:
    """What ``hqg mcp`` needs: this tree on the path, offline models, the key."""
    return {
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "HF_HUB_OFFLINE": "1",
        "HQG_API_KEY": key,
    }


@asynccontextmanager
async def stdio_session(home: Path, key: str) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-c", "from cli import main; main()", "mcp", "--home", str(home)],
        env=child_env(key),
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


@asynccontextmanager
async def http_session(url: str, key: str) -> AsyncIterator[ClientSession]:
    headers = {"Authorization": f"Bearer {key}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(120.0)) as http,
        streamable_http_client(f"{url}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


async def call(session: ClientSession, tool: str, **arguments: Any) -> dict[str, Any]:
    """A tool result as plain data: error flag, text and structured content."""
    result = await session.call_tool(tool, arguments)
    text = "\n".join(getattr(block, "text", "") for block in result.content)
    return {"is_error": result.is_error, "text": text, "data": result.structured_content}
