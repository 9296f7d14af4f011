"""The policy playground: explain a request as someone, and edit, test, simulate and (when the
operator allows it) apply a candidate bundle.

The candidate travels in the form itself (one text field per module, ``module:<path>``, and
``data_json``), so the server keeps no draft state and every button works without JavaScript.
The routes are async to read the form; the use cases (a worker process, the audit log, DuckDB
counts) run in the thread pool, off the event loop.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from authz.bundle import PolicyBundle, bundle_from_sources
from gateway.admin.explain import Explained, explain_as
from gateway.admin.playground import (
    Candidate,
    apply_candidate,
    candidate_from_form,
    enforced_candidate,
    run_candidate_tests,
)
from gateway.admin.simulate import simulate
from gateway.ask.retrieve import ASK_ACTION
from gateway.search_pipeline import SEARCH_ACTION
from gateway.sql_pipeline import SQL_ACTION
from hqg.errors import ConfigError, InvalidRequest
from transports.console.web import PREFIX, ConsoleUser, form_action, gateway_of, page, render

router = APIRouter()
Viewer = Annotated[ConsoleUser, Depends(page("console.playground"))]
Poster = Annotated[ConsoleUser, Depends(form_action("console.playground"))]
MODULE_FIELD = "module:"
MAX_FIELD_CHARS = 200_000
KINDS = (SQL_ACTION, SEARCH_ACTION, ASK_ACTION)  # what the playground explains
REQUEST_FIELDS = ("kind", "principal", "purpose", "sql", "collections", "question")


@router.get(f"{PREFIX}/playground")
def playground(request: Request, user: Viewer) -> HTMLResponse:
    return _page(request, user, enforced_candidate(gateway_of(request)), {})


@router.post(f"{PREFIX}/playground/explain")
async def explain(request: Request, user: Poster) -> HTMLResponse:
    """Explain a SQL query, a search or an ask as the chosen principal (``explain_as``)."""
    form = await request.form()
    fields = _request_fields(form)
    if not fields["principal"]:
        raise InvalidRequest("choose a principal")
    explained = await run_in_threadpool(
        explain_as,
        gateway_of(request),
        user.ctx,
        principal_id=fields["principal"],
        purpose=fields["purpose"] or None,
        request=_explained(fields),
    )
    return _page(request, user, _candidate(form), {"explained": explained, **fields})


def _explained(fields: dict[str, str]) -> Explained:
    """The request to explain from the form: its kind decides which fields it reads."""
    kind = fields["kind"] or SQL_ACTION
    if kind not in KINDS:
        raise InvalidRequest(f"kind must be one of {', '.join(KINDS)}")
    if kind == SQL_ACTION:
        if not fields["sql"]:
            raise InvalidRequest("write a query to explain")
        return Explained(sql=fields["sql"])
    names = [name for name in fields["collections"].replace(",", " ").split() if name]
    question = fields["question"] if kind == ASK_ACTION else None
    return Explained(action=kind, collections=names or None, question=question or None)


@router.post(f"{PREFIX}/playground/test")
async def run_tests(request: Request, user: Poster) -> HTMLResponse:
    form = await request.form()
    candidate = _candidate(form)
    report = await run_in_threadpool(run_candidate_tests, gateway_of(request), user.ctx, candidate)
    return _page(request, user, candidate, {"tests": report, **_request_fields(form)})


@router.post(f"{PREFIX}/playground/simulate")
async def run_simulation(request: Request, user: Poster) -> HTMLResponse:
    form = await request.form()
    candidate = _candidate(form)

    def load() -> PolicyBundle:
        try:
            return bundle_from_sources(candidate.modules, candidate.data)
        except ConfigError as exc:  # the bundle is the caller's input, not our configuration
            raise InvalidRequest(f"candidate: {exc.message}") from exc

    report = await run_in_threadpool(simulate, gateway_of(request), user.ctx, candidate=load)
    return _page(request, user, candidate, {"simulation": report, **_request_fields(form)})


@router.post(f"{PREFIX}/playground/apply")
async def apply(request: Request, user: Poster) -> HTMLResponse:
    form = await request.form()
    candidate = _candidate(form)
    applied = await run_in_threadpool(apply_candidate, gateway_of(request), user.ctx, candidate)
    return _page(request, user, candidate, {"applied": applied, **_request_fields(form)})


def _page(
    request: Request, user: ConsoleUser, candidate: Candidate, values: dict[str, Any]
) -> HTMLResponse:
    gateway = gateway_of(request)
    principals = sorted(p.id for p in gateway.principals.principals())
    return render(
        request,
        "playground.html",
        user=user,
        active="playground",
        principals=principals,
        modules=sorted(candidate.modules.items()),
        data_json=_pretty(candidate),
        can_apply=gateway.settings.console.apply_policy,
        kinds=KINDS,
        **{**dict.fromkeys(REQUEST_FIELDS, ""), "kind": SQL_ACTION, **values},
    )


def _pretty(candidate: Candidate) -> str:
    return json.dumps(candidate.data, indent=2, sort_keys=True)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_FIELD_CHARS:
        raise InvalidRequest(f"{name}: expected text of at most {MAX_FIELD_CHARS} characters")
    return value.replace("\r\n", "\n").strip()  # browsers send a textarea's lines as CRLF


def _request_fields(form: FormData) -> dict[str, str]:
    return {name: _text(form, name) for name in REQUEST_FIELDS}


def _candidate(form: FormData) -> Candidate:
    modules = {
        key.removeprefix(MODULE_FIELD): _text(form, key) + "\n"
        for key in form
        if key.startswith(MODULE_FIELD)
    }
    if not modules:
        raise InvalidRequest("the candidate has no modules")
    return candidate_from_form(modules, _text(form, "data_json"))
