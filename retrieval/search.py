"""Governed search over the vector index: the policy filter inside the engine, masking on read.

The filter a decision grants for a collection is compiled by the index into its own filter
type and applied inside the search (never post-filtering), so chunks policy removes are never
ranked, returned or counted as results. ``withheld`` counts the points of the collection the
filter removes (counts only), as SQL's withheld counts rows.

Ranking never uses a value the principal may not see: a collection whose grant masks any entity
type is searched in its masked view (vectors of the text with every detected value replaced by a
numberless placeholder), with the query masked the same way before it is embedded or tokenised.
So a masked principal's search for a name ranks exactly as a search for ``<PERSON>`` would, and
whether that person wrote a document is not observable. Principals who may see every value
search the raw view. Both views are embedded once per request at most.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from hqg.errors import InvalidRequest
from hqg.predicates import Predicate
from ingestion.embedding import Embedder
from ingestion.vectors.base import SearchMode, SearchView, VectorIndex
from ingestion.vectors.queries import MAX_K, plan_search
from privacy.detector import PiiDetector
from privacy.masker import mask_live, mask_text
from privacy.operators import MaskKind
from privacy.spans import Span
from privacy.vault import TOKEN, PseudonymVault
from retrieval.evidence import Evidence, evidence_from_hit


@dataclass(frozen=True)
class CollectionScope:
    """What one collection's grant lets this request see and how it is masked."""

    name: str
    predicate: Predicate | None
    mask_entities: Mapping[str, MaskKind]

    @property
    def view(self) -> SearchView:
        """The masked view as soon as policy masks anything here (fail closed: one masked
        entity type is enough, since the view is chosen before any value is seen)."""
        return SearchView.MASKED if self.mask_entities else SearchView.RAW


@dataclass(frozen=True)
class RankingScores:
    """Chunk id -> its score in each ranking hybrid search fuses: ``dense`` the cosine
    similarity of query and chunk, ``lexical`` the BM25 score."""

    dense: Mapping[str, float]
    lexical: Mapping[str, float]


@dataclass(frozen=True)
class SearchResult:
    evidence: tuple[Evidence, ...]
    withheld: Mapping[str, int]
    #: per collection, with ``ranking_scores=True`` in hybrid mode (``vector_search()`` columns)
    scores: Mapping[str, RankingScores] = field(default_factory=dict)


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
    detector: PiiDetector,
    masked_view_query: str | None = None,
    ranking_scores: bool = False,
) -> SearchResult:
    """Top ``k`` chunks over ``scopes``, each collection searched under its own filter and in
    the view its grant allows; ``detector`` masks the query for the masked view, unless the
    caller has it masked already (``masked_view_query``, from ``masked_query_of``). With
    ``ranking_scores`` (hybrid mode) each collection's dense and lexical scores come too, from
    the same query text and vector."""
    if not query.strip():
        raise InvalidRequest("query: must contain text")
    queries = _ViewQueries(query, embedder, detector, mode, masked=masked_view_query)
    hits = []
    withheld: dict[str, int] = {}
    scores: dict[str, RankingScores] = {}
    for scope in scopes:
        dense, text = queries.for_view(scope.view)
        if ranking_scores:
            scores[scope.name] = _ranking_scores(index, scope, dense=dense, text=text, k=k)
        found = index.search(
            scope.name,
            mode=mode,
            dense=dense,
            text=text,
            predicate=scope.predicate,
            k=k,
            view=scope.view,
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
    return SearchResult(evidence=evidence, withheld=withheld, scores=scores)


def _ranking_scores(
    index: VectorIndex,
    scope: CollectionScope,
    *,
    dense: list[float] | None,
    text: str | None,
    k: int,
) -> RankingScores:
    """The dense and lexical scores of the candidates a hybrid search for ``k`` hits fuses:
    each ranking's top candidates (as many as the fusion takes, at most ``MAX_K``) under the
    same filter and in the same view. A chunk absent from one ranking's candidates has no
    score in it (for BM25: no query term matched it)."""
    if dense is None or text is None:
        return RankingScores(dense={}, lexical={})
    plan = plan_search(mode=SearchMode.HYBRID, dense=dense, text=text, k=k, dim=len(dense))
    limit = min(plan.prefetch, MAX_K)

    def scores(mode: SearchMode) -> dict[str, float]:
        found = index.search(
            scope.name,
            mode=mode,
            dense=dense if mode is SearchMode.DENSE else None,
            text=text if mode is SearchMode.LEXICAL else None,
            predicate=scope.predicate,
            k=limit,
            view=scope.view,
        )
        return {str(hit.payload["chunk_id"]): hit.score for hit in found}

    return RankingScores(dense=scores(SearchMode.DENSE), lexical=scores(SearchMode.LEXICAL))


def masked_query(query: str, detector: PiiDetector) -> str:
    """``query`` as the masked view is searched: pseudonyms lose their numbers and every
    detected value becomes its placeholder, as in the stored masked text."""
    plain = _numberless(query)
    return mask_live(plain, detector, policy=MaskKind.PLACEHOLDER, vault=PseudonymVault()).text


def masked_query_of(query: str, spans: Sequence[Span]) -> str:
    """``masked_query`` for a query whose spans the caller found already (the ask path's
    prompt guard scanned the question with the same detector), so it is not detected twice."""
    masked = mask_text(query, spans, policy=MaskKind.PLACEHOLDER, vault=PseudonymVault()).text
    return _numberless(masked)


def _numberless(text: str) -> str:
    return TOKEN.sub(lambda match: f"<{match.group(1)}>", text)


class _ViewQueries:
    """The query text and vector per view, each computed on first use only."""

    def __init__(
        self,
        query: str,
        embedder: Embedder,
        detector: PiiDetector,
        mode: SearchMode,
        *,
        masked: str | None,
    ) -> None:
        self._query, self._embedder, self._detector, self._mode = query, embedder, detector, mode
        self._masked = masked
        self._done: dict[SearchView, tuple[list[float] | None, str | None]] = {}

    def for_view(self, view: SearchView) -> tuple[list[float] | None, str | None]:
        if view not in self._done:
            text = self._query if view is SearchView.RAW else self._masked_text()
            dense = (
                self._embedder.embed([text])[0] if self._mode is not SearchMode.LEXICAL else None
            )
            self._done[view] = (dense, text if self._mode is not SearchMode.DENSE else None)
        return self._done[view]

    def _masked_text(self) -> str:
        if self._masked is None:
            self._masked = masked_query(self._query, self._detector)
        return self._masked


def _withheld(index: VectorIndex, scope: CollectionScope) -> int:
    if scope.predicate is None:
        return 0
    total = index.count(scope.name, predicate=None)
    return total - index.count(scope.name, predicate=scope.predicate)
