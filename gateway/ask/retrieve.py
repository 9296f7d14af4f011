"""The decision and retrieval of an ask request: like governed search, under action ``ask``.

It is governed search's collection decision (``gateway.access.decide_collections``)
under action ``ask``, with two additions: tables holding protected columns the question names
are decided first, and the caller passes the pseudonym vault, so a ``<PERSON_1>`` in the
prompt and in the evidence name the same value within one request and never across requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from gateway.access import CollectionsGrant, decide_collections
from gateway.ask.bias import ProtectedUse
from gateway.context import RequestContext
from gateway.service import Gateway
from hqg.errors import AccessDenied
from ingestion.vectors.base import SearchMode
from privacy.masker import MaskPolicy
from privacy.operators import MaskKind
from privacy.vault import PseudonymVault
from retrieval.evidence import WILDCARD, Evidence
from retrieval.search import CollectionScope, governed_search

ASK_ACTION = "ask"


@dataclass(frozen=True)
class Retrieved:
    evidence: tuple[Evidence, ...]
    withheld: dict[str, int]


def decide_ask(
    gateway: Gateway,
    ctx: RequestContext,
    *,
    collections: Sequence[str] | None,
    protected: ProtectedUse,
) -> CollectionsGrant:
    """The decision for answering; raises ``AccessDenied``/``NotFound`` (not yet audited)."""
    _require_protected_released(gateway, ctx, protected)
    return decide_collections(gateway, ctx, collections, action=ASK_ACTION)


def retrieve(
    gateway: Gateway,
    grant: CollectionsGrant,
    *,
    query: str,
    masked_view_query: str | None,
    k: int,
    vault: PseudonymVault,
) -> Retrieved:
    """Hybrid search of the granted collections, masked on read with ``vault``; collections
    searched in their masked view get ``masked_view_query`` (built from the prompt guard's
    spans: the question is not detected a second time), or ``query`` detected again when
    there is none (a standalone question holds more than the question)."""
    result = governed_search(
        gateway.vectors,
        gateway.embedder,
        query=query,
        scopes=grant.scopes,
        mode=SearchMode.HYBRID,
        k=k,
        vault=vault,
        now=datetime.now(UTC),
        detector=gateway.components.pii.get(),
        masked_view_query=masked_view_query,
    )
    return Retrieved(evidence=result.evidence, withheld=dict(result.withheld))


def prompt_mask_policy(scopes: Sequence[CollectionScope]) -> MaskPolicy | None:
    """How prompt and answer PII is masked: the strictest of the granted collections' masks.

    None means every granted collection releases PII to this principal (nothing to mask). A
    request granted no collection masks everything (fail closed).
    """
    if not scopes:
        return MaskKind.PLACEHOLDER
    masking = [scope.mask_entities for scope in scopes if scope.mask_entities]
    if not masking:
        return None
    wildcard = next((m[WILDCARD] for m in masking if WILDCARD in m), None)
    if wildcard is not None:
        return wildcard
    merged: dict[str, MaskKind] = {}
    for mapping in masking:
        merged.update(mapping)
    return merged


def _require_protected_released(
    gateway: Gateway, ctx: RequestContext, protected: ProtectedUse
) -> None:
    """A protected column the question uses must be released unmasked for this purpose.

    Asked as its own decision over just the tables holding those columns, so a refusal names
    the protected attribute and an unrelated collection grant is not affected.
    """
    if not protected.columns:
        return
    snapshot = gateway.datasets()
    tables = [snapshot[name].contract for name in protected.tables if name in snapshot]
    decision = gateway.decide(ctx, action=ASK_ACTION, tables=tables)
    refused = sorted(
        {
            f"{table}.{column}"
            for table, column in protected.columns
            if (grant := decision.grant_for(table)) is None or column in grant.masks
        }
    )
    if refused:
        reasons = tuple(
            f"protected attribute {column} is not released for purpose {ctx.purpose}"
            for column in refused
        )
        raise AccessDenied(
            "policy does not release the protected attributes this question uses",
            reasons=reasons,
            decision_id=decision.decision_id,
        )
