"""The document collections a caller may search, each with the masks that would apply.

The collections' counterpart of ``gateway.catalog_view``: one ``catalog`` decision over every
collection; the ones it does not grant are not named (a collection's name can itself be
sensitive) and are counted only when the caller may know they exist, exactly as ``/v1/search``
counts them when no collection is named.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from gateway.access import collection_resource, require_allowed, visible_collection_count
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.responses import DecisionSummary
from gateway.service import Gateway
from gateway.visibility import CATALOG_ACTION
from hqg.resources import collection_key
from privacy.operators import MaskKind


class CollectionEntry(BaseModel):
    """A collection the caller may search."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    classification: str
    tenancy: str | None
    labels: tuple[str, ...]
    freshness_sla_seconds: int | None
    masked_entities: dict[str, MaskKind]  # PII entity type -> how it is masked for the caller


class CollectionsResponse(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str
    collections: tuple[CollectionEntry, ...]
    withheld: int  # refused collections the caller may know exist (``gateway.visibility``)
    decision: DecisionSummary


def collections_view(gateway: Gateway, ctx: RequestContext) -> CollectionsResponse:
    """The collections ``ctx`` may search; audited like ``/v1/catalog``."""
    trail = AuditTrail(gateway, ctx, action=CATALOG_ACTION)
    with trail.recording():
        records = {record.name: record for record in gateway.documents.collections()}
        decision = gateway.decide(
            ctx,
            action=CATALOG_ACTION,
            collections=[collection_resource(record) for record in records.values()],
        )
        trail.decision = decision
        require_allowed(decision)
        entries = tuple(
            CollectionEntry(
                name=name,
                classification=record.default_classification.value,
                tenancy=record.tenancy.value if record.tenancy else None,
                labels=record.default_labels,
                freshness_sla_seconds=record.default_freshness_sla,
                masked_entities=dict(grant.mask_entities),
            )
            for name, record in sorted(records.items())
            if (grant := decision.collections.get(name)) is not None
        )
        trail.datasets = [(collection_key(entry.name), None) for entry in entries]
        trail.rows = len(entries)
        return CollectionsResponse(
            request_id=ctx.request_id,
            collections=entries,
            withheld=visible_collection_count(
                gateway, ctx, [r for n, r in records.items() if n not in decision.collections]
            ),
            decision=DecisionSummary.of(decision),
        )
