"""The edge: every HTTP request's size and text are checked before routing, parsing or auth.

A body is counted while it is read and refused with 413 as soon as it passes
``HQG_LIMITS__MAX_BODY_BYTES`` (or at once when its ``Content-Length`` says it will), so a
hostile client costs at most the limit in memory, never its whole upload. The path, query
string, headers and a JSON or form body must be well-formed text
(``transports.rest.wellformed``); a JSON body nested deeper than ``HQG_LIMITS__MAX_JSON_DEPTH``
is refused before a pydantic model or a recursive walker sees it. The accepted body is then
replayed to the application unchanged.

A pure ASGI middleware rather than ``@app.middleware``: that one would buffer the body first.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.settings.ops import LimitSettings
from hqg.errors import HqgError, InvalidRequest, RequestTooLarge
from transports.rest.errors import hqg_error_response
from transports.rest.wellformed import (
    check_form_body,
    check_headers,
    check_json_body,
    check_target,
)

BODY_LIMIT = "HQG_LIMITS__MAX_BODY_BYTES"


class EdgeGuard:
    """Size and text checks in front of ``app``; refusals use the one error shape."""

    def __init__(self, app: ASGIApp, *, limits: LimitSettings) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            check_target(scope.get("raw_path") or scope["path"].encode(), scope["query_string"])
            check_headers(scope["headers"])
            body = await self._read_body(scope, receive)
            if body and _is_form(scope):
                check_form_body(body)
            elif body and _is_json(scope):
                check_json_body(body, max_depth=self.limits.max_json_depth)
        except HqgError as exc:
            response = hqg_error_response(Request(scope), exc)
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        limit = self.limits.max_body_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            raise _too_large(limit)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise InvalidRequest("the client disconnected before sending its body")
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _too_large(limit: int) -> RequestTooLarge:
    return RequestTooLarge(f"the request body exceeds {limit} bytes", limit=BODY_LIMIT)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError as exc:
                raise InvalidRequest("the Content-Length header is not a number") from exc
    return None


def _content_type(scope: Scope) -> bytes | None:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bytes(value.lower())
    return None


def _is_form(scope: Scope) -> bool:
    """A urlencoded form (the console's sign-in and playground): checked as text, not JSON."""
    kind = _content_type(scope)
    return kind is not None and kind.startswith(b"application/x-www-form-urlencoded")


def _is_json(scope: Scope) -> bool:
    """Every body hqg accepts is JSON; one declared otherwise is still checked as JSON unless
    it is plainly something else, so a wrong content type cannot skip the checks."""
    kind = _content_type(scope)
    return kind is None or not kind.startswith((b"multipart/", b"application/octet-stream"))


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that yields the already-read body once, then defers to the original
    (which reports the client's disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
