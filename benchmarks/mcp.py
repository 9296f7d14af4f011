"""``mcp``: a governed point query as an MCP ``tools/call query_sql`` round trip over HTTP,
against the same query through ``POST /v1/sql``, on one real ``hqg serve`` on loopback.

Both go through the same keep-alive HTTP client to the same server process, as demo-alice on
the demo workspace, so the ratio is what MCP adds on the wire and in the server: the JSON-RPC
envelope, the SDK's dispatch, the tool's argument checks (injection score) and rendering the
text table beside the structured content.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.common import Row, RunContext, latency, latency_rows

NAME = "mcp"
POINT = "SELECT * FROM orders WHERE order_id = 42"  # the sql benchmark's point query
HEADERS = {"Authorization": "Bearer demo-alice"}
STARTUP_SECONDS = 300.0


@contextmanager
def _served(home: Path, scratch: Path) -> Iterator[str]:
    """``hqg serve`` on an ephemeral loopback port; yields its URL once ready."""
    import httpx

    port_file = scratch / "mcp-bench.port"
    command = [sys.executable, "-c", "from cli import main; main()", "serve", "--home", str(home)]
    command += ["--host", "127.0.0.1", "--port", "0", "--port-file", str(port_file)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with (scratch / "mcp-bench.log").open("wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not port_file.is_file() and server.poll() is None:
                if time.monotonic() > deadline:
                    raise RuntimeError("hqg serve did not bind a port in time")
                time.sleep(0.1)
            url = f"http://127.0.0.1:{int(port_file.read_text(encoding='utf-8'))}"
            while httpx.get(f"{url}/readyz", timeout=30).status_code != 200:
                if time.monotonic() > deadline:
                    raise RuntimeError("hqg serve did not become ready in time")
                time.sleep(0.5)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=60)


def run(ctx: RunContext) -> list[Row]:
    import httpx

    from benchmarks.ask import _prepare

    home = _prepare(ctx)
    n = 50 if ctx.quick else 300
    rpc = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "query_sql", "arguments": {"sql": POINT}},
    }
    mcp_headers = {
        **HEADERS,
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-06-18",
    }
    with _served(home, ctx.scratch) as url, httpx.Client(base_url=url, timeout=60) as client:

        def rest() -> None:
            response = client.post("/v1/sql", json={"sql": POINT}, headers=HEADERS)
            if response.status_code != 200:
                raise RuntimeError(f"/v1/sql answered {response.status_code}")

        def mcp() -> None:
            response = client.post("/mcp", json=rpc, headers=mcp_headers)
            body = response.json()
            if response.status_code != 200 or body["result"].get("isError"):
                raise RuntimeError(f"/mcp answered {response.status_code}")

        baseline = latency(rest, n=n)
        measured = latency(mcp, n=n)
    return latency_rows(
        NAME,
        "point query, MCP tools/call vs POST /v1/sql",
        baseline=baseline,
        hqg=measured,
        note="real hqg serve on loopback, one keep-alive client, demo-alice",
    )
