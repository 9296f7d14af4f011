"""The governed MCP server: tools and resources over the gateway's use cases (``server.py``),
served over stdio (``stdio.py``, ``hqg mcp``) and streamable HTTP at ``/mcp`` (``http.py``)."""
