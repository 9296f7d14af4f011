"""The MCP server (``transports/mcp``)."""
