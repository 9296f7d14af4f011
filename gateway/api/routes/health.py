"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gateway.api.deps import GatewayDep
from hqg.errors import HqgError

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(gateway: GatewayDep) -> JSONResponse:
    """Ready when the policy engine answers and the catalog is readable."""
    checks: dict[str, str] = {}
    try:
        gateway.policy.check()
        checks["policy"] = "ok"
    except HqgError as exc:
        checks["policy"] = exc.code
    try:
        gateway.datasets()
        checks["catalog"] = "ok"
    except HqgError as exc:
        checks["catalog"] = exc.code
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)
