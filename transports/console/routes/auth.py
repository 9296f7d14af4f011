"""Sign-in, sign-out and the console's front door.

Sign-in takes an API key once, in a form (never in a URL), and answers with a session cookie:
``HttpOnly``, ``SameSite=Strict``, ``Secure`` when the request came over TLS, ``Path=/console``,
expiring with the session. The sign-in form is protected from cross-site posts by a double
submit token (a cookie and a form field that must match), every later form by the session's
own token. Policy decides who may sign in (``console.signin``); a refusal is a 403 page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway.admin.console import console_action
from gateway.context import RequestContext
from hqg.errors import AuthError
from transports.console.sessions import COOKIE, PRE_COOKIE, new_token, same_token
from transports.console.web import (
    PREFIX,
    ConsoleUser,
    form_action,
    gateway_of,
    render,
    state_of,
)

router = APIRouter()


@router.get(PREFIX)
def front_door() -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}/review", status_code=303)


@router.get(f"{PREFIX}/signin")
def signin_form(request: Request) -> HTMLResponse:
    token = new_token()
    response = render(request, "signin.html", user=None, signin_csrf=token)
    _set_cookie(request, response, PRE_COOKIE, token, max_age=15 * 60, path=f"{PREFIX}/signin")
    return response


@router.post(f"{PREFIX}/signin")
def signin(
    request: Request,
    api_key: Annotated[str, Form(max_length=512)],
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    if not same_token(request.cookies.get(PRE_COOKIE), csrf) or not csrf:
        raise AuthError("the sign-in form's CSRF token is missing or wrong: reload the page")
    gateway = gateway_of(request)
    principal = gateway.principals.authenticate(api_key.strip())
    ctx = RequestContext.create(principal, purpose=None, request_id=request.state.request_id)
    request.state.principal_id = principal.id
    console_action(gateway, ctx, action="console.signin")
    sessions = state_of(request).sessions
    token, _ = sessions.open(principal.id)
    response = RedirectResponse(f"{PREFIX}/review", status_code=303)
    _set_cookie(request, response, COOKIE, token, max_age=int(sessions.ttl_seconds), path=PREFIX)
    response.delete_cookie(PRE_COOKIE, path=f"{PREFIX}/signin")
    return response


@router.post(f"{PREFIX}/signout")
def signout(
    request: Request, user: Annotated[ConsoleUser, Depends(form_action("console.signout"))]
) -> Response:
    del user  # admitted and audited; the session ends whatever policy says next
    state_of(request).sessions.close(request.cookies.get(COOKIE))
    response = RedirectResponse(f"{PREFIX}/signin", status_code=303)
    response.delete_cookie(COOKIE, path=PREFIX)
    return response


def _set_cookie(
    request: Request, response: Response, name: str, value: str, *, max_age: int, path: str
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="strict",
    )
