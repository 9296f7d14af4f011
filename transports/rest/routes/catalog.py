"""``GET /v1/catalog``: what the caller may query, with masks."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.catalog_view import catalog_view
from gateway.responses import CatalogResponse
from transports.rest.deps import ContextDep, GatewayDep

router = APIRouter(tags=["catalog"])


@router.get("/v1/catalog")
def get_catalog(ctx: ContextDep, gateway: GatewayDep) -> CatalogResponse:
    """Datasets the caller may see, each column's mask, and freshness; hidden ones counted."""
    return catalog_view(gateway, ctx)
