"""Access review: the matrix, one cell explained, and the matrix as CSV."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from gateway.admin.explain import Explained, explain_as
from gateway.admin.review import access_review
from gateway.search_pipeline import SEARCH_ACTION
from hqg.resources import collection_key
from transports.console.web import PREFIX, ConsoleUser, gateway_of, page, released, render
from transports.formats import spreadsheet_safe

router = APIRouter()
Reviewer = Annotated[ConsoleUser, Depends(page("console.review"))]
_NAME = r"^[A-Za-z0-9_.@-]{1,64}$"


@router.get(f"{PREFIX}/review")
def review(request: Request, user: Reviewer) -> HTMLResponse:
    matrix = access_review(gateway_of(request), user.ctx)
    return render(request, "review.html", user=user, matrix=matrix)


@router.get(f"{PREFIX}/review.csv")
def review_csv(request: Request, user: Reviewer) -> Response:
    gateway = gateway_of(request)
    matrix = released(gateway, access_review(gateway, user.ctx))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["principal", "kind", "resource", "purpose", "allowed", "rows", "masked", "reasons"]
    )
    for cell in matrix.cells:
        values = (
            cell.principal,
            cell.kind,
            cell.resource,
            cell.purpose or "",
            "allowed" if cell.allowed else "denied",
            cell.rows or "",
            "; ".join(cell.masked),
            "; ".join(cell.reasons),
        )
        writer.writerow([spreadsheet_safe(value) for value in values])  # all text, no numbers
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="access-review.csv"'},
    )


@router.get(f"{PREFIX}/review/explain")
def explain_cell(
    request: Request,
    user: Reviewer,
    principal: Annotated[str, Query(pattern=_NAME)],
    kind: Annotated[Literal["dataset", "collection"], Query()],
    resource: Annotated[str, Query(pattern=_NAME)],
) -> HTMLResponse:
    """One cell: the explain use case on the request that reads exactly that resource, a
    ``SELECT *`` of the dataset or a search of the collection (as the matrix decides it)."""
    # the name matched _NAME (no quotes, no spaces); the query is explained, never executed
    wanted = (
        Explained(sql=f'SELECT * FROM "{resource}"')  # noqa: S608
        if kind == "dataset"
        else Explained(action=SEARCH_ACTION, collections=[resource])
    )
    explained = explain_as(
        gateway_of(request), user.ctx, principal_id=principal, purpose=None, request=wanted
    )
    key = resource if kind == "dataset" else collection_key(resource)
    return render(
        request,
        "explain.html",
        user=user,
        explained=explained,
        kind=kind,
        resource=resource,
        denied=list(explained.decision.get("denied", {}).get(key, [])),
    )
