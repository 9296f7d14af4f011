"""``GET /v1/models`` and ``GET /v1/models/{id}``: the ids a chat client may send as ``model``.

OpenAI's shape (``{"object": "list", "data": [{"id", "object": "model", "created",
"owned_by"}]}``) so chat UIs that probe it first work; an alias carries hqg's extra field
``hqg_alias_of``. The listing needs a key like every other route, and serves no data.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gateway.ask.model_catalog import ModelEntry
from transports.rest.deps import ContextDep
from transports.rest.routes.ask import ModelsDep

router = APIRouter(tags=["answers"])

#: Models have no creation time of their own; a fixed one keeps the listing stable.
CREATED = 0


def _model(entry: ModelEntry) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": entry.id,
        "object": "model",
        "created": CREATED,
        "owned_by": entry.owned_by,
    }
    if entry.alias_of is not None:
        body["hqg_alias_of"] = entry.alias_of
    return body


@router.get("/v1/models")
def list_models(ctx: ContextDep, models: ModelsDep) -> dict[str, Any]:
    """Every id a chat request may name: ``hqg``, the upstream models, their aliases."""
    del ctx  # authenticated like every route
    return {"object": "list", "data": [_model(entry) for entry in models.entries()]}


@router.get("/v1/models/{model_id:path}")
def get_model(model_id: str, ctx: ContextDep, models: ModelsDep) -> dict[str, Any]:
    """One model; an unknown id is OpenAI's 404 ``model_not_found``."""
    del ctx
    return _model(models.entry(model_id))
