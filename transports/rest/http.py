"""The request id, the access log and per-route response counts, as one ASGI middleware.

It replaces uvicorn's access log, which prints the raw path and query string (a place where
user values could appear). Here the route is the matched template (``/v1/sql``), or
``unmatched``; the principal id is the one authentication set on the request state. It is the
request's one log line: the use case's fields (tenant, action, outcome, rows, withheld, its own
time as ``use_case_ms``) join it (``gateway.ops.logs.one_line``) instead of a second line.

A pure ASGI middleware (it only wraps ``send``) rather than two ``@app.middleware("http")``
functions: each of those runs the rest of the app in a separate task behind a memory stream,
which cost more per request than the whole governed point query's route layer.
"""

from __future__ import annotations

import logging
import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.context import new_request_id
from gateway.ops.logs import one_line
from gateway.ops.metrics import GatewayMetrics
from transports.rest.enforce import route_path

log = logging.getLogger("hqg.http")
UNMATCHED = "unmatched"


class AccessLog:
    """Give every HTTP request its id (the caller's ``X-Request-ID`` if well-formed), answer
    with it, and log and count the response once it is sent (or the app failed: 500)."""

    def __init__(self, app: ASGIApp, *, metrics: GatewayMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state = scope.setdefault("state", {})
        offered = next((v for k, v in scope["headers"] if k == b"x-request-id"), None)
        request_id = new_request_id(offered.decode("latin-1") if offered else None)
        state["request_id"] = request_id
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        with one_line() as line:
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                route = route_path(scope.get("route")) or UNMATCHED
                self.metrics.record_http(route=route, method=scope["method"], status=status)
                log.info(
                    "http response",
                    extra={
                        **line.close(),  # the use case's fields; the HTTP ones below win
                        "event": "http",
                        "request_id": request_id,
                        "principal_id": state.get("principal_id"),
                        "route": route,
                        "method": scope["method"],
                        "status": status,
                        "latency_ms": round((time.perf_counter() - started) * 1000, 3),
                    },
                )
