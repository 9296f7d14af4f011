"""``/v1/catalog``: the datasets a caller may query, each with the masks that would apply.

Datasets the caller may not see are counted, not named: a name can itself be sensitive.
"""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.access import require_allowed
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.responses import CatalogColumn, CatalogEntry, CatalogResponse, DecisionSummary
from gateway.service import Gateway
from gateway.visibility import CATALOG_ACTION
from hqg.errors import NotFound
from ingestion.catalog import Dataset
from retrieval.grants import TableGrant
from retrieval.provenance import freshness_of


def catalog_view(
    gateway: Gateway, ctx: RequestContext, *, only: str | None = None
) -> CatalogResponse:
    """The datasets ``ctx`` may query; with ``only``, just that one, or ``NotFound`` when it
    is missing or hidden (the same answer, ``gateway.visibility``)."""
    trail = AuditTrail(gateway, ctx, action=CATALOG_ACTION)
    with trail.recording():
        datasets = gateway.datasets()
        decision = gateway.decide(
            ctx, action=CATALOG_ACTION, tables=[d.contract for d in datasets.values()]
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
        return CatalogResponse(
            request_id=ctx.request_id,
            datasets=entries,
            withheld=0 if only is not None else len(datasets) - len(entries),
            decision=DecisionSummary.of(decision),
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
    )
