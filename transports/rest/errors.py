"""The one JSON error shape: ``{"error": {"code", "message", "request_id", "decision_id"?}}``.

Bodies never echo request content: a validation error names the fields, not their values.
Messages and reasons still pass the egress guard's finders (``gateway.egress.error_guard``), for
every caller, since an error is raised before or without the decision that says who may see what.
Every refusal of an authenticated caller on an audited route leaves one audit record with the
status it answers (``transports.rest.refusals``); if that record cannot be written the answer
is 503.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from audit.marks import decision_id_of
from gateway.egress import error_details, error_guard
from hqg.errors import HqgError, ModelNotFound, RateLimited, Unavailable
from transports.rest.refusals import audit_refusal
from transports.rest.validation import describe

log = logging.getLogger("hqg.api")


def error_body(
    request: Request, *, code: str, message: str, **extra: Any
) -> dict[str, dict[str, Any]]:
    body: dict[str, Any] = {
        "code": code,
        "message": _printable(message),
        "request_id": getattr(request.state, "request_id", None),
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return {"error": body}


def _printable(message: str) -> str:
    """A message that always encodes: a lone surrogate that reached an error message must not
    turn the refusal into a 500 (the text is replaced, never echoed)."""
    return message.encode("utf-8", errors="replace").decode("utf-8")


def hqg_error_response(request: Request, exc: HqgError) -> JSONResponse:
    """The response of an ``HqgError``, audited first if no pipeline audited it."""
    try:
        limited = audit_refusal(request, exc, status=exc.status, code=exc.code)
    except Unavailable as audit_error:  # no record, no refusal either: the log is down
        exc = audit_error
    else:
        exc = limited or exc
    if exc.status >= 500:
        log.error("request %s failed: %s", getattr(request.state, "request_id", "-"), exc.code)
    details = error_details(exc, error_guard(getattr(request.app.state, "gateway", None)))
    headers = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(details.pop("retry_after"))
    if "parameter" in details:
        details["param"] = details["parameter"]  # OpenAI's name for it
    elif isinstance(exc, ModelNotFound):
        details["param"] = "model"
    body = error_body(request, **details)
    return JSONResponse(body, status_code=exc.status, headers=headers)


async def _hqg_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, HqgError):  # pragma: no cover - registered for HqgError only
        raise exc
    return hqg_error_response(request, exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    problems = describe(exc.errors()) if isinstance(exc, RequestValidationError) else ""
    message = "invalid request" + (f": {problems}" if problems else "")
    try:
        limited = audit_refusal(request, exc, status=422, code="invalid_request")
    except Unavailable as audit_error:
        return hqg_error_response(request, audit_error)
    if limited is not None:
        return hqg_error_response(request, limited)
    return JSONResponse(error_body(request, code="invalid_request", message=message), 422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    code = {404: "not_found", 405: "method_not_allowed"}.get(status, "http_error")
    message = {404: "no such endpoint", 405: "method not allowed"}.get(status, "request failed")
    if status == 400:  # the framework could not read the body (e.g. not JSON at all)
        code, message = "invalid_request", "the request body could not be read"
    try:
        limited = audit_refusal(request, exc, status=status, code=code)
    except Unavailable as audit_error:
        return hqg_error_response(request, audit_error)
    if limited is not None:
        return hqg_error_response(request, limited)
    return JSONResponse(error_body(request, code=code, message=message), status)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    """Starlette answers these outside the middleware stack, so the request-id middleware never
    sees this response: the header is set here. A bug outside any pipeline is audited here."""
    request_id = getattr(request.state, "request_id", None)
    log.error(
        "unexpected error; nothing served",
        exc_info=exc,
        extra={
            "event": "internal_error",
            "request_id": request_id,
            "decision_id": decision_id_of(exc),
        },
    )
    try:
        audit_refusal(request, exc, status=500, code="internal_error")
    except Exception:  # the bug's answer stands; the audit failure is logged, not raised
        log.error("request %s: the record of an internal error was not written", request_id)
    body = error_body(request, code="internal_error", message="internal error; nothing served")
    return JSONResponse(body, 500, headers={"X-Request-ID": request_id} if request_id else None)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HqgError, _hqg_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
