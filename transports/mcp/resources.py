"""MCP resources: the catalog as the caller sees it, under ``hqg://catalog/...``.

- ``hqg://catalog/datasets/<name>``: one dataset's schema with its masks and freshness
  (``describe_dataset``), one resource per dataset the caller may query;
- ``hqg://catalog/collections``: the collections it may search (``list_collections``).

Listing reads the catalog use case (``gateway/catalog_view.py``, audited as
``mcp.list_resources``) and shows the collection list only when the ``catalog`` decision
allows it; reading decides again (``mcp.read_resource``). A dataset that is missing or hidden
answers the same "no such resource".
"""

from __future__ import annotations

from mcp_types import ListResourcesResult, ReadResourceResult, Resource, TextResourceContents

from gateway.catalog_view import catalog_view
from gateway.collections_view import collections_view
from gateway.context import RequestContext
from gateway.service import Gateway
from gateway.tool_calls import admit
from gateway.visibility import CATALOG_ACTION
from hqg.errors import AccessDenied, NotFound

PREFIX = "hqg://catalog/"
DATASETS = f"{PREFIX}datasets/"
COLLECTIONS = f"{PREFIX}collections"
JSON = "application/json"


def list_resources(gateway: Gateway, ctx: RequestContext) -> ListResourcesResult:
    admit(gateway, ctx, action=CATALOG_ACTION)
    try:
        datasets = catalog_view(gateway, ctx).datasets
    except AccessDenied:  # a caller that may list nothing sees no resources
        datasets = ()
    resources = [
        Resource(
            uri=f"{DATASETS}{entry.name}",
            name=entry.name,
            title=f"Dataset {entry.name}",
            description=entry.description or None,
            mime_type=JSON,
        )
        for entry in datasets
    ]
    if gateway.decide(ctx, action=CATALOG_ACTION).allow:
        resources.append(
            Resource(
                uri=COLLECTIONS,
                name="collections",
                title="Document collections",
                description="The document collections you may search.",
                mime_type=JSON,
            )
        )
    return ListResourcesResult(resources=resources)


def read_resource(gateway: Gateway, ctx: RequestContext, uri: str) -> ReadResourceResult:
    admit(gateway, ctx, action=CATALOG_ACTION)
    if uri == COLLECTIONS:
        text = collections_view(gateway, ctx).model_dump_json()
    elif uri.startswith(DATASETS) and uri != DATASETS:
        view = catalog_view(gateway, ctx, only=uri.removeprefix(DATASETS))
        text = view.datasets[0].model_dump_json()
    else:
        raise NotFound("no such resource; resources/list shows the ones you may read")
    return ReadResourceResult(contents=[TextResourceContents(uri=uri, mime_type=JSON, text=text)])
