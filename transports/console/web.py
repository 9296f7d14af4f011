"""The console's plumbing: templates, security headers, the signed-in user, CSRF, errors.

Pages are rendered on the server with Jinja2 (autoescaped); the only script is the vendored
htmx, served from ``/console/static``, so the Content-Security-Policy is ``default-src 'self'``
with no inline script or style. Every value a page shows passes the egress guard of error
messages (``gateway.egress.error_guard``: any value the catalog knows as PII becomes a
placeholder), so a page holds no raw PII even where a reason or a query quotes one.

A signed-in request is a ``ConsoleUser``: the session's principal, re-read from the directory,
in a request context under its default purpose. Each page names its ``console.*`` action, which
``gateway.admin.console.console_action`` decides and audits before the page does anything.
Every POST carries the session's CSRF token in a ``csrf`` form field.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from audit import VerifyReport
from gateway.admin.console import console_action
from gateway.context import RequestContext
from gateway.egress import error_guard
from gateway.service import Gateway
from hqg.errors import AuthError, HqgError
from hqg.predicates import in_words, parse_predicate
from hqg.resources import collection_key
from transports.console.jobs import Jobs
from transports.console.sessions import COOKIE, Session, SessionStore, same_token

PREFIX = "/console"
HERE = Path(__file__).resolve().parent
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
NAV = (
    ("review", "Access review"),
    ("playground", "Policy playground"),
    ("audit", "Audit"),
    ("usage", "Usage"),
    ("freshness", "Freshness"),
)


@dataclass(frozen=True)
class ConsoleState:
    """What the console keeps for the app's lifetime (on ``app.state.console``)."""

    sessions: SessionStore
    templates: Environment
    verify_jobs: Jobs[VerifyReport]


def console_state(gateway: Gateway) -> ConsoleState:
    settings = gateway.settings.console
    templates = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        auto_reload=False,
    )
    templates.filters["in_words"] = filter_in_words
    templates.globals["collection_key"] = collection_key
    sessions = SessionStore(
        gateway.workspace.console_sessions_path,
        ttl_seconds=settings.session_minutes * 60,
        capacity=settings.max_sessions,
    )
    return ConsoleState(sessions=sessions, templates=templates, verify_jobs=Jobs())


def filter_in_words(document: Any) -> str:
    """A decision document's row or point filter (its JSON form) as a reviewer reads it; a
    filter that does not parse raises, so a page never shows a wrong one."""
    return in_words(None if document is None else parse_predicate(document))


def state_of(request: Request) -> ConsoleState:
    state: ConsoleState = request.app.state.console
    return state


def gateway_of(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


@dataclass(frozen=True)
class ConsoleUser:
    ctx: RequestContext
    session: Session


def session_user(request: Request) -> ConsoleUser:
    session = state_of(request).sessions.get(request.cookies.get(COOKIE))
    principal = (
        None if session is None else gateway_of(request).principals.find(session.principal_id)
    )
    if session is None or principal is None:
        raise AuthError("sign in to the console")
    ctx = RequestContext.create(principal, purpose=None, request_id=request.state.request_id)
    request.state.principal_id = principal.id
    request.state.context = ctx
    return ConsoleUser(ctx=ctx, session=session)


def page(action: str) -> Callable[[Request], ConsoleUser]:
    """A dependency: the signed-in user, admitted to ``action`` (decided and audited)."""

    def admitted(request: Request) -> ConsoleUser:
        user = session_user(request)
        console_action(gateway_of(request), user.ctx, action=action)
        return user

    return admitted


def form_action(action: str) -> Callable[[Request], Awaitable[ConsoleUser]]:
    """``page(action)`` for a form post: the session's CSRF token must come with it."""

    async def admitted(request: Request) -> ConsoleUser:
        user = session_user(request)
        offered = (await request.form()).get("csrf")
        if not same_token(offered if isinstance(offered, str) else None, user.session.csrf):
            raise AuthError("the form's CSRF token is missing or wrong: reload the page")
        await run_in_threadpool(console_action, gateway_of(request), user.ctx, action=action)
        return user

    return admitted


def released(gateway: Gateway, value: Any) -> Any:
    """``value`` with every string passed through the error guard (models, lists, dicts)."""
    guard = error_guard(gateway)
    if isinstance(value, BaseModel):
        return guard.release(value)
    if isinstance(value, str):
        return guard.text(value)
    if isinstance(value, list | tuple):
        return [released(gateway, item) for item in value]
    if isinstance(value, dict):
        return {key: released(gateway, item) for key, item in value.items()}
    return value


def render(
    request: Request,
    template: str,
    *,
    user: ConsoleUser | None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    """The page ``template`` with ``values`` (released first) and the layout's common values."""
    gateway = gateway_of(request)
    body = (
        state_of(request)
        .templates.get_template(template)
        .render(
            prefix=PREFIX,
            nav=NAV,
            signed_in=None if user is None else user.ctx.principal.id,
            signed_in_purpose=None if user is None else user.ctx.purpose,
            csrf=None if user is None else user.session.csrf,
            **{key: released(gateway, value) for key, value in values.items()},
        )
    )
    return HTMLResponse(body, status_code=status, headers=headers)


def install_security_headers(app: FastAPI) -> None:
    app.add_middleware(ConsoleHeaders)


class ConsoleHeaders:
    """The security headers on every console response, error pages included.

    A pure ASGI middleware that only wraps ``send`` for a console path: every other request
    (the JSON API's) passes straight through. As an ``@app.middleware("http")`` function it ran
    the rest of the app in a new task behind a memory stream on every request, API or console,
    which cost more than the governed point query's own route layer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_console(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_console(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def install_error_pages(app: FastAPI) -> None:
    """Console requests get an HTML error page made from the app's own JSON error response (so
    a refusal is audited and its message guarded exactly as the JSON API's): for ``HqgError``,
    an invalid form or query (422) and an unknown page or method. A console page asked for
    without a session is sent to sign-in."""
    for kind in (HqgError, RequestValidationError, StarletteHTTPException):
        app.add_exception_handler(kind, _as_page(app.exception_handlers[kind]))


def _as_page(
    json_handler: Callable[..., Any],
) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handler(request: Request, exc: Exception) -> Response:
        answer = json_handler(request, exc)
        response: Response = await answer if inspect.isawaitable(answer) else answer
        if not _is_console(request.url.path):
            return response
        if isinstance(exc, AuthError) and request.method == "GET":
            return RedirectResponse(f"{PREFIX}/signin", status_code=303)
        error = json.loads(bytes(response.body))["error"]
        return render(
            request,
            "error.html",
            user=None,
            status=response.status_code,
            headers={k: v for k, v in response.headers.items() if k.lower() == "retry-after"},
            code=error.get("code", "error"),
            message=error.get("message", ""),
            reasons=error.get("reasons", []),
        )

    return handler
