"""``hqg mcp``: the governed MCP server over stdio, for a local MCP client (Claude Desktop, IDE
agents) that starts it as a subprocess. Over HTTP the same server is ``hqg serve``'s ``/mcp``."""

from __future__ import annotations

import typer

from cli.options import DEFAULT_HOME, HomeOption, KeyOption, PurposeOption


def register(app: typer.Typer) -> None:
    app.command("mcp")(mcp)


def mcp(key: KeyOption, home: HomeOption = DEFAULT_HOME, purpose: PurposeOption = None) -> None:
    """Serve MCP on stdin/stdout as the principal of KEY (set HQG_API_KEY in the client's
    config rather than passing --key). Logs go to stderr; stdout carries only MCP."""
    import anyio

    from gateway.ops.logs import configure_logging
    from gateway.settings import load_settings
    from gateway.wiring import build_gateway
    from transports.mcp.stdio import serve_stdio

    settings = load_settings(home=home)
    configure_logging(settings.logging)
    gateway = build_gateway(settings)
    try:
        anyio.run(lambda: serve_stdio(gateway, key=key, purpose=purpose))
    finally:
        gateway.close()
