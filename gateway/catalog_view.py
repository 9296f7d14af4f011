"""``/v1/catalog``: what a caller may query, each dataset with the masks that would apply, and
each document collection with the columns ``vector_search()`` returns on it.

Datasets and collections the caller may not query are neither named nor, unless it may know
they exist, counted: a name can itself be sensitive, and so can a count (``withheld`` counts
what another of the caller's purposes would list, ``gateway.visibility``). A collection's
metadata columns come from a sample of the chunks the caller's grant admits, so a key only
hidden documents carry is not disclosed (``gateway.hybrid``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from authz.decision import Decision
from gateway.access import (
    collection_resource,
    require_allowed,
    visible_collection_count,
    visible_table_count,
)
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.hybrid import collection_columns
from gateway.responses import (
    CatalogCollection,
    CatalogColumn,
    CatalogEntry,
    CatalogResponse,
    DecisionSummary,
)
from gateway.service import Gateway
from gateway.visibility import CATALOG_ACTION
from hqg.errors import NotFound
from ingestion.catalog import Dataset
from ingestion.documents.catalog import CollectionRecord
from retrieval.grants import TableGrant
from retrieval.provenance import freshness_of
from retrieval.sql.search_relation import FIXED_COLUMNS


def catalog_view(
    gateway: Gateway, ctx: RequestContext, *, only: str | None = None
) -> CatalogResponse:
    """The datasets ``ctx`` may query; with ``only``, just that one, or ``NotFound`` when it
    is missing or hidden (the same answer, ``gateway.visibility``)."""
    trail = AuditTrail(gateway, ctx, action=CATALOG_ACTION)
    with trail.recording():
        datasets = gateway.datasets()
        records = {record.name: record for record in gateway.documents.collections()}
        decision = gateway.decide(
            ctx,
            action=CATALOG_ACTION,
            tables=[d.contract for d in datasets.values()],
            collections=[collection_resource(record) for record in records.values()],
        )
        trail.decision = decision
        require_allowed(decision)
        now = datetime.now(UTC)
        entries = tuple(
            _entry(dataset, grant, now)
            for name, dataset in sorted(datasets.items())
            if (grant := decision.tables.get(name)) is not None and only in (None, name)
        )
        if only is not None and not entries:
            raise NotFound("no such dataset")
        collections = (
            ()
            if only is not None
            else tuple(
                _collection(gateway, decision, record, now=now)
                for name, record in sorted(records.items())
                if name in decision.collections
            )
        )
        if only is not None:
            withheld = collections_withheld = 0
        else:
            shown = {entry.name for entry in entries}
            withheld = visible_table_count(
                gateway, ctx, [d.contract for n, d in datasets.items() if n not in shown]
            )
            collections_withheld = visible_collection_count(
                gateway, ctx, [r for n, r in records.items() if n not in decision.collections]
            )
        return CatalogResponse(
            request_id=ctx.request_id,
            datasets=entries,
            withheld=withheld,
            decision=DecisionSummary.of(decision),
            collections=collections,
            collections_withheld=collections_withheld,
        )


def _entry(dataset: Dataset, grant: TableGrant, now: datetime) -> CatalogEntry:
    contract = dataset.contract
    return CatalogEntry(
        name=contract.name,
        description=contract.description,
        classification=contract.classification.value,
        version=dataset.current.version if dataset.current else None,
        row_filtered=grant.row_filter is not None,
        columns=tuple(
            CatalogColumn(
                name=column.name,
                type=column.type,
                tags=column.tags,
                mask=grant.mask_for(column.name),
            )
            for column in contract.columns
        ),
        freshness=freshness_of(dataset, now=now),
        pii_detector=(dataset.current.pii_detector or None) if dataset.current else None,
    )


def _collection(
    gateway: Gateway, decision: Decision, record: CollectionRecord, *, now: datetime
) -> CatalogCollection:
    grant = decision.collections[record.name]
    columns = tuple(
        CatalogColumn(name=column.name, type=column.type, tags=(), mask=None)
        for column in collection_columns(gateway, decision, record, now=now)
    )
    return CatalogCollection(
        name=record.name,
        classification=record.default_classification.value,
        filtered=grant.filter is not None,
        masked=dict(grant.mask_entities),
        payload_fields=columns[len(FIXED_COLUMNS) :],
        vector_search_columns=columns,
    )
