"""Governed search, end to end: decide per collection, search under the filters, mask on read,
attach provenance and freshness, audit.

Naming collections is like naming tables: every one must be granted, else 403 naming it, or
404 "no such collection" when the caller may not even see it, exactly as for one that does not
exist (``gateway.access``, ``gateway.visibility``).
With no collections named, the request searches every collection policy grants; the refused
ones the caller may know exist are counted in ``withheld_collections``, not named (a
collection's name can itself be sensitive), and the ones it may not see are not counted.
The query text is never written to the audit log (it may hold PII): only its length. The
response leaves through the egress guard (``gateway.egress``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from gateway.access import asked_collections, decide_collections
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.egress import for_collections
from gateway.ops.sizes import check_question
from gateway.responses import DecisionSummary
from gateway.responses import SearchResponse as SearchResponse  # its home; re-exported
from gateway.service import Gateway
from hqg.errors import ParameterOutOfRange
from hqg.resources import collection_key
from ingestion.vectors.base import SearchMode
from privacy.vault import PseudonymVault
from retrieval.search import governed_search

#: The policy and audit action of a governed search.
SEARCH_ACTION = "search"


def search_k(gateway: Gateway, k: int | None) -> int:
    """The number of results a request gets: its ``k``, else the default; over the cap is an
    error naming it (never silently cut)."""
    caps = gateway.settings.search
    chosen = k or caps.default_k
    if chosen > caps.max_k:
        raise ParameterOutOfRange(f"k may be at most {caps.max_k}", parameter="k")
    return chosen


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
        asked = asked_collections(gateway, collections)
        trail.datasets = [(collection_key(name), None) for name in asked]
        grant = decide_collections(gateway, ctx, collections, action=action)
        trail.decision = grant.decision
        trail.datasets = [(collection_key(scope.name), None) for scope in grant.scopes]
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
