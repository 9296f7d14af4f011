"""Access review: who can see what, as a matrix of principals × datasets and collections.

Each cell is the live policy's decision for that principal, under its default purpose, on that
one resource: ``sql`` on a dataset, ``search`` on a collection, decided by the very
``Gateway.decide`` the pipelines call, on today's principal directory and catalog. A cell says
allowed or denied, the row filter in words, the masked columns (datasets) or entity types
(collections), and the reasons. Nothing is read: a review holds policy, never rows.

The caller needs ``policy.evaluate`` (explaining a request as someone else); the review is one
audit record (``policy.review``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from authz.decision import Decision
from gateway.access import collection_resource, require_allowed
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.identity import Principal
from gateway.service import Gateway
from hqg.errors import HqgError
from hqg.predicates import in_words
from hqg.resources import collection_key
from ingestion.documents.catalog import CollectionRecord
from retrieval.sql.sources import TableSource

ResourceKind = Literal["dataset", "collection"]
REVIEW_ACTION = "policy.review"


class ReviewCell(BaseModel):
    """One principal's access to one resource."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    principal: str
    resource: str
    kind: ResourceKind
    purpose: str | None
    allowed: bool
    rows: str | None  # the row (or point) filter in words; None when denied
    masked: tuple[str, ...]  # "column: kind" or "ENTITY: kind"
    reasons: tuple[str, ...]
    decision_id: str


class AccessMatrix(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str
    policy_hash: str
    principals: tuple[str, ...]
    resources: tuple[tuple[ResourceKind, str], ...]
    cells: tuple[ReviewCell, ...]

    def cell(self, principal: str, kind: ResourceKind, resource: str) -> ReviewCell | None:
        return next(
            (
                c
                for c in self.cells
                if c.principal == principal and c.kind == kind and c.resource == resource
            ),
            None,
        )


def access_review(gateway: Gateway, ctx: RequestContext) -> AccessMatrix:
    """The matrix for every principal and every serving dataset and collection."""
    trail = AuditTrail(gateway, ctx, action=REVIEW_ACTION)
    with trail.recording():
        trail.decision = gateway.decide(ctx, action="policy.evaluate")
        require_allowed(trail.decision)
        principals = sorted(gateway.principals.principals(), key=lambda p: p.id)
        tables = sorted(gateway.sources(gateway.datasets()).items())
        collections = sorted(gateway.documents.collections(), key=lambda c: c.name)
        cells = [
            cell
            for principal in principals
            for cell in _row(gateway, ctx, principal, tables, collections)
        ]
        return AccessMatrix(
            request_id=ctx.request_id,
            policy_hash=gateway.policy.policy_hash,
            principals=tuple(p.id for p in principals),
            resources=tuple(
                [("dataset", name) for name, _ in tables]
                + [("collection", c.name) for c in collections]
            ),
            cells=tuple(cells),
        )


def _row(
    gateway: Gateway,
    ctx: RequestContext,
    principal: Principal,
    tables: Sequence[tuple[str, TableSource]],
    collections: Sequence[CollectionRecord],
) -> list[ReviewCell]:
    as_target = RequestContext.create(principal, purpose=None, request_id=ctx.request_id)
    row = []
    for name, source in tables:
        decision = gateway.decide(as_target, action="sql", tables=[source.contract])
        row.append(_dataset_cell(principal, name, as_target.purpose, decision))
    for record in collections:
        resource = collection_resource(record)
        decision = gateway.decide(as_target, action="search", collections=[resource])
        row.append(_collection_cell(principal, record.name, as_target.purpose, decision))
    return row


def _reasons(decision: Decision, key: str) -> tuple[str, ...]:
    return tuple(decision.reasons) + tuple(decision.denied.get(key, ()))


def _dataset_cell(
    principal: Principal, name: str, purpose: str | None, decision: Decision
) -> ReviewCell:
    grant = decision.tables.get(name) if decision.allow else None
    try:
        rows = None if grant is None else in_words(grant.row_filter)
    except HqgError:  # a filter outside the language denies; say so rather than guess
        grant, rows = None, None
    return ReviewCell(
        principal=principal.id,
        resource=name,
        kind="dataset",
        purpose=purpose,
        allowed=grant is not None,
        rows=rows,
        masked=tuple(f"{c}: {k.value}" for c, k in sorted((grant.masks if grant else {}).items())),
        reasons=_reasons(decision, name),
        decision_id=decision.decision_id,
    )


def _collection_cell(
    principal: Principal, name: str, purpose: str | None, decision: Decision
) -> ReviewCell:
    grant = decision.collections.get(name) if decision.allow else None
    masks = grant.mask_entities if grant else {}
    return ReviewCell(
        principal=principal.id,
        resource=name,
        kind="collection",
        purpose=purpose,
        allowed=grant is not None,
        rows=None if grant is None else in_words(grant.filter),
        masked=tuple(f"{e}: {k.value}" for e, k in sorted(masks.items())),
        reasons=_reasons(decision, collection_key(name)),
        decision_id=decision.decision_id,
    )
