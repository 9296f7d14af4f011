"""Governed search, end to end: decide per collection, search under the filters, mask on read,
attach provenance and freshness, audit.

Naming collections is like naming tables: every one must be granted, else 403 naming it, or
404 "no such collection" when the caller may not even see it, exactly as for one that does not
exist (``gateway.visibility``). With
no collections named, the request searches every collection policy grants; the others are
counted in ``withheld_collections``, not named (a collection's name can itself be sensitive).
The query text is never written to the audit log (it may hold PII): only its length. The
response leaves through the egress guard (``gateway.egress``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

from authz.decision import Decision
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.egress import for_collections
from gateway.ops.sizes import check_question
from gateway.responses import DecisionSummary
from gateway.service import Gateway
from gateway.sql_pipeline import require_allowed
from gateway.staleness import collection_scope
from gateway.visibility import visible_collections
from hqg.errors import UnknownCollection
from ingestion.documents.catalog import CollectionRecord
from ingestion.vectors.base import SearchMode
from privacy.vault import PseudonymVault
from retrieval.evidence import Evidence
from retrieval.search import CollectionScope, governed_search

COLLECTION_PREFIX = "collection:"

#: The policy and audit action of a governed search.
SEARCH_ACTION = "search"


class SearchResponse(BaseModel):
    """``POST /v1/search``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str
    mode: SearchMode
    results: tuple[Evidence, ...]
    withheld: dict[str, int]
    withheld_collections: int
    decision: DecisionSummary


def collection_resource(record: CollectionRecord) -> dict[str, object]:
    """A collection as policy sees it (defaults of its documents)."""
    return {
        "name": record.name,
        "classification": record.default_classification.value,
        "tenancy": record.tenancy.value if record.tenancy else None,
        "labels": list(record.default_labels),
    }


def governed_search_request(
    gateway: Gateway,
    ctx: RequestContext,
    *,
    query: str,
    collections: Sequence[str] | None,
    mode: SearchMode,
    k: int,
    action: str = SEARCH_ACTION,
) -> SearchResponse:
    """Run a search for ``ctx``; raises an ``HqgError`` (already audited) on any refusal."""
    trail = AuditTrail(gateway, ctx, action=action)
    with trail.recording():
        # here, not in a transport: every caller of a search (REST, CLI, LangChain) is bounded
        check_question(query, gateway.settings.limits, what="search query")
        grant = decide_collections(gateway, ctx, collections, action=action)
        trail.decision = grant.decision
        trail.datasets = [(f"{COLLECTION_PREFIX}{scope.name}", None) for scope in grant.scopes]
        vault = PseudonymVault()
        result = governed_search(
            gateway.vectors,
            gateway.embedder,
            query=query,
            scopes=grant.scopes,
            mode=mode,
            k=k,
            vault=vault,
            now=datetime.now(UTC),
            detector=gateway.components.pii.get(),
        )
        trail.rows, trail.withheld = len(result.evidence), dict(result.withheld)
        egress = for_collections(grant.decision, vault=vault, finders=gateway.egress_finders)
        return egress.release(
            SearchResponse(
                request_id=ctx.request_id,
                mode=mode,
                results=result.evidence,
                withheld=dict(result.withheld),
                withheld_collections=grant.hidden_collections,
                decision=DecisionSummary.of(grant.decision),
            )
        )


@dataclass(frozen=True)
class CollectionsGrant:
    """A decision over collections and what it lets this request search."""

    decision: Decision
    scopes: tuple[CollectionScope, ...]
    hidden_collections: int


def decide_collections(
    gateway: Gateway, ctx: RequestContext, named: Sequence[str] | None, *, action: str
) -> CollectionsGrant:
    """The decision for reading collections (search, ask); raises AccessDenied/UnknownCollection.

    Named collections must all be granted; with none named, the granted ones are kept and
    the refused ones counted (one more decision over the granted subset). Each scope carries
    the policy's staleness cutoff (``gateway.staleness``), taken now.
    """
    records = {record.name: record for record in gateway.documents.collections()}
    if named:
        chosen = [records[name] for name in dict.fromkeys(named) if name in records]
        if len(chosen) < len(set(named)):
            _refuse_unseen(gateway, ctx, named, chosen)
    else:
        chosen = list(records.values())
    decision = _ask(gateway, ctx, chosen, action)
    if named and not decision.allow:
        _refuse_unseen(gateway, ctx, named, chosen)
    hidden = 0
    if not named and not decision.allow and decision.denied:
        refused = {key.removeprefix(COLLECTION_PREFIX) for key in decision.denied}
        granted = [record for record in chosen if record.name not in refused]
        hidden = len(chosen) - len(granted)
        decision = _ask(gateway, ctx, granted, action)
    require_allowed(decision)
    now = datetime.now(UTC)
    scopes = tuple(collection_scope(decision, name, now=now) for name in decision.collections)
    return CollectionsGrant(decision=decision, scopes=scopes, hidden_collections=hidden)


def _refuse_unseen(
    gateway: Gateway,
    ctx: RequestContext,
    named: Sequence[str],
    existing: Sequence[CollectionRecord],
) -> None:
    """404 naming every named collection that is missing or that the caller may not see
    (``gateway.visibility``): both get the same answer. Returns when there is none."""
    seen = visible_collections(gateway, ctx, [collection_resource(r) for r in existing])
    unseen = sorted(set(named) - seen)
    if unseen:
        raise UnknownCollection(f"no such collection: {', '.join(unseen)}")


def _ask(
    gateway: Gateway, ctx: RequestContext, records: Sequence[CollectionRecord], action: str
) -> Decision:
    return gateway.decide(ctx, action=action, collections=[collection_resource(r) for r in records])
