"""The access log and per-route response counts, as one HTTP middleware.

It replaces uvicorn's access log, which prints the raw path and query string (a place where
user values could appear). Here the route is the matched template (``/v1/sql``), or
``unmatched``; the principal id is the one authentication set on the request state.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from gateway.ops.metrics import GatewayMetrics
from transports.rest.enforce import route_path

log = logging.getLogger("hqg.http")
UNMATCHED = "unmatched"


def install_access_log(app: FastAPI, metrics: GatewayMetrics) -> None:
    """Log and count every HTTP response; add it after the request-id middleware."""

    @app.middleware("http")
    async def access_log(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = route_path(request.scope.get("route")) or UNMATCHED
            metrics.record_http(route=route, method=request.method, status=status)
            log.info(
                "http response",
                extra={
                    "event": "http",
                    "request_id": getattr(request.state, "request_id", None),
                    "principal_id": getattr(request.state, "principal_id", None),
                    "route": route,
                    "method": request.method,
                    "status": status,
                    "latency_ms": round((time.perf_counter() - started) * 1000, 3),
                },
            )
