"""Governed search over the vector index: the policy filter inside the engine, masking on read.

The filter a decision grants for a collection is compiled by the index into its own filter
type and applied inside the search (never post-filtering), so chunks policy removes are never
ranked, returned or counted as results. ``withheld`` counts the points of the collection the
filter removes (counts only), as SQL's withheld counts rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from hqg.errors import InvalidRequest
from hqg.predicates import Predicate
from ingestion.embedding import Embedder
from ingestion.vectors.base import SearchMode, VectorIndex
from privacy.operators import MaskKind
from privacy.vault import PseudonymVault
from retrieval.evidence import Evidence, evidence_from_hit


@dataclass(frozen=True)
class CollectionScope:
    """What one collection's grant lets this request see and how it is masked."""

    name: str
    predicate: Predicate | None
    mask_entities: Mapping[str, MaskKind]


@dataclass(frozen=True)
class SearchResult:
    evidence: tuple[Evidence, ...]
    withheld: Mapping[str, int]


def governed_search(
    index: VectorIndex,
    embedder: Embedder,
    *,
    query: str,
    scopes: Sequence[CollectionScope],
    mode: SearchMode,
    k: int,
    vault: PseudonymVault,
    now: datetime,
) -> SearchResult:
    """Top ``k`` chunks over ``scopes``, each collection searched under its own filter."""
    if not query.strip():
        raise InvalidRequest("query: must contain text")
    dense = embedder.embed([query])[0] if mode is not SearchMode.LEXICAL else None
    text = query if mode is not SearchMode.DENSE else None
    hits = []
    withheld: dict[str, int] = {}
    for scope in scopes:
        found = index.search(
            scope.name, mode=mode, dense=dense, text=text, predicate=scope.predicate, k=k
        )
        hits += [(hit, scope) for hit in found]
        withheld[scope.name] = _withheld(index, scope)
    # ties (frequent with rank fusion) are broken by point id, so an answer does not depend
    # on the order an engine happened to return equal scores in
    hits.sort(key=lambda pair: (-pair[0].score, pair[0].id))
    evidence = tuple(
        evidence_from_hit(hit, mask_entities=scope.mask_entities, vault=vault, now=now)
        for hit, scope in hits[:k]
    )
    return SearchResult(evidence=evidence, withheld=withheld)


def _withheld(index: VectorIndex, scope: CollectionScope) -> int:
    if scope.predicate is None:
        return 0
    total = index.count(scope.name, predicate=None)
    return total - index.count(scope.name, predicate=scope.predicate)
