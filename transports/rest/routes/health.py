"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gateway.readiness import OK, CachedChecks, WarmUp, store_checks
from transports.rest.deps import GatewayDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up. ``async``: liveness answers from the event loop, so a thread pool
    saturated by slow requests cannot make a live server look dead to its orchestrator."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request, gateway: GatewayDep) -> JSONResponse:
    """Ready when every store opens from this process (each failing one is named) and, if the
    server warms up at start, once that is done; each check is ``ok`` or an error code. Store
    checks are reused for ``HQG_LIMITS__READYZ_CACHE_MS`` (this route needs no key)."""
    cached: CachedChecks = request.app.state.readiness
    checks = cached.get(lambda: store_checks(gateway))
    warm: WarmUp | None = getattr(request.app.state, "warm_up", None)
    if warm is not None:
        checks["warm_up"] = warm.state
    ready = all(value == OK for value in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)
