"""The one JSON error shape: ``{"error": {"code", "message", "request_id", "decision_id"?}}``.

Bodies never echo request content: a validation error names the fields, not their values.
Messages and reasons still pass the egress guard's finders (``gateway.egress.error_guard``), for
every caller, since an error is raised before or without the decision that says who may see what.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from gateway.egress import error_guard
from hqg.errors import AccessDenied, HqgError, RateLimited, UnsafeQuery

log = logging.getLogger("hqg.api")


def error_body(
    request: Request, *, code: str, message: str, **extra: Any
) -> dict[str, dict[str, Any]]:
    body: dict[str, Any] = {
        "code": code,
        "message": message,
        "request_id": getattr(request.state, "request_id", None),
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return {"error": body}


async def _hqg_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, HqgError):  # pragma: no cover - registered for HqgError only
        raise exc
    extra: dict[str, Any] = {}
    headers = {}
    if isinstance(exc, AccessDenied):
        extra = {"decision_id": exc.decision_id, "reasons": list(exc.reasons)}
    elif isinstance(exc, UnsafeQuery):
        extra = {"rule": exc.rule}
    elif isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if exc.status >= 500:
        log.error("request %s failed: %s", getattr(request.state, "request_id", "-"), exc.code)
    egress = error_guard(getattr(request.app.state, "gateway", None))
    if "reasons" in extra:
        extra["reasons"] = [egress.text(reason) for reason in extra["reasons"]]
    body = error_body(request, code=exc.code, message=egress.text(exc.message), **extra)
    return JSONResponse(body, status_code=exc.status, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    fields = []
    if isinstance(exc, RequestValidationError):
        fields = sorted({".".join(str(p) for p in err.get("loc", ())) for err in exc.errors()})
    message = "invalid request body" + (f": check {', '.join(fields)}" if fields else "")
    return JSONResponse(error_body(request, code="invalid_request", message=message), 422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    code = {404: "not_found", 405: "method_not_allowed"}.get(status, "http_error")
    message = {404: "no such endpoint", 405: "method not allowed"}.get(status, "request failed")
    return JSONResponse(error_body(request, code=code, message=message), status)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    """Starlette answers these outside the middleware stack, so the request-id middleware never
    sees this response: the header is set here."""
    request_id = getattr(request.state, "request_id", None)
    log.exception("unexpected error in request %s", request_id or "-")
    body = error_body(request, code="internal_error", message="internal error; nothing served")
    return JSONResponse(body, 500, headers={"X-Request-ID": request_id} if request_id else None)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HqgError, _hqg_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
