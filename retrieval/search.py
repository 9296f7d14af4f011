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
from ingestion.vectors.base import Hit, Scored, SearchMode, SearchView, VectorIndex, VectorReader
from ingestion.vectors.queries import fusion_candidates, reciprocal_ranks
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
    """Chunk id -> its score in each ranking hybrid search fuses, for the chunks served:
    ``dense`` the cosine similarity of query and chunk, ``lexical`` the BM25 score (absent: the
    chunk was not among that ranking's candidates; for BM25, no query term matched it)."""

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
    sources = _SOURCES[mode]
    per_source = fusion_candidates(k) if len(sources) > 1 else k
    rankings: dict[SearchMode, list[_Candidate]] = {source: [] for source in sources}
    withheld: dict[str, int] = {}
    with index.reading() as reader:  # one version of each collection for the whole search
        for scope in scopes:
            dense, text = queries.for_view(scope.view)
            found = reader.rankings(
                scope.name,
                mode=mode,
                dense=dense,
                text=text,
                predicate=scope.predicate,
                k=per_source,
                view=scope.view,
            )
            for source, points in zip(sources, found, strict=True):
                rankings[source] += [_Candidate(point, scope) for point in points]
            withheld[scope.name] = withheld_chunks(reader, scope)
        served = _fetched(reader, _fused(list(rankings.values()), k))
    evidence = tuple(
        evidence_from_hit(item.hit, mask_entities=item.scope.mask_entities, vault=vault, now=now)
        for item in served
    )
    scores = _ranking_scores(rankings, served, scopes) if ranking_scores else {}
    return SearchResult(evidence=evidence, withheld=withheld, scores=scores)


#: The rankings each mode takes, in ``VectorIndex.rankings``' order; hybrid fuses two
#: (``reciprocal_ranks``).
_SOURCES: Mapping[SearchMode, tuple[SearchMode, ...]] = {
    SearchMode.DENSE: (SearchMode.DENSE,),
    SearchMode.LEXICAL: (SearchMode.LEXICAL,),
    SearchMode.HYBRID: (SearchMode.DENSE, SearchMode.LEXICAL),
}


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A ranking candidate (id and score) and the collection scope it was found under."""

    point: Scored
    scope: CollectionScope

    @property
    def key(self) -> tuple[str, str]:
        """Unique across collections; orders ties by point id, as ``ranked`` does."""
        return (self.point.id, self.scope.name)


@dataclass(frozen=True, slots=True)
class _Served:
    """A chunk served (its payload fetched, its fused score) and its collection scope."""

    hit: Hit
    scope: CollectionScope

    @property
    def key(self) -> tuple[str, str]:
        """The key its candidate had (``_Candidate.key``)."""
        return (self.hit.id, self.scope.name)


def _fused(rankings: Sequence[Sequence[_Candidate]], k: int) -> list[_Candidate]:
    """The best ``k`` over every collection searched. Hybrid fuses the dense ranking and the
    lexical ranking of all collections together, so collections compete on relevance: fusing
    per collection would give each collection's best chunk the same top score, however poor a
    match it is. Ties (frequent with rank fusion) are broken by point id, so an answer does not
    depend on the order an engine happened to return equal scores in."""
    scopes = {item.key: item.scope for ranking in rankings for item in ranking}
    if len(rankings) == 1:
        scored = {item.key: item.point.score for item in rankings[0]}
    else:
        scored = reciprocal_ranks([(item.key, item.point.score) for item in r] for r in rankings)
    order = sorted(scored, key=lambda key: (-scored[key], key))[:k]
    return [_Candidate(Scored(key[0], scored[key]), scopes[key]) for key in order]


def _fetched(index: VectorReader, best: Sequence[_Candidate]) -> list[_Served]:
    """``best`` with their payloads, read only now: the candidates were ranked by id and score
    alone (reading ~60 payloads per ranking and collection to serve five cost more than the
    ranking). Each collection is read under its grant's filter again, inside the engine, so
    nothing policy removes is read, from the version the candidates were ranked in (``index``
    is the search's reader); a chunk a live server deleted meanwhile is left out."""
    found: dict[tuple[str, str], Hit] = {}
    for scope in {item.scope.name: item.scope for item in best}.values():
        ids = [item.point.id for item in best if item.scope.name == scope.name]
        for hit in index.fetch(scope.name, ids, predicate=scope.predicate):
            found[(hit.id, scope.name)] = hit
    return [
        _Served(found[item.key].model_copy(update={"score": item.point.score}), item.scope)
        for item in best
        if item.key in found
    ]


def _ranking_scores(
    rankings: Mapping[SearchMode, Sequence[_Candidate]],
    served: Sequence[_Served],
    scopes: Sequence[CollectionScope],
) -> dict[str, RankingScores]:
    """Per collection, the dense and lexical scores of the chunks served. Only hybrid search
    has both rankings."""
    if SearchMode.DENSE not in rankings or SearchMode.LEXICAL not in rankings:
        return {scope.name: RankingScores(dense={}, lexical={}) for scope in scopes}
    dense = {item.key: item.point.score for item in rankings[SearchMode.DENSE]}
    lexical = {item.key: item.point.score for item in rankings[SearchMode.LEXICAL]}

    def of(ranking: Mapping[tuple[str, str], float], name: str) -> dict[str, float]:
        return {
            str(item.hit.payload["chunk_id"]): ranking[item.key]
            for item in served
            if item.scope.name == name and item.key in ranking
        }

    return {
        scope.name: RankingScores(dense=of(dense, scope.name), lexical=of(lexical, scope.name))
        for scope in scopes
    }


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
    """The query text and vector per view, each computed on first use only. Views whose query
    text is the same (a query the detector found nothing in) share one vector: a principal
    searching raw and masked collections at once embeds it once."""

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
        self._done: dict[str, tuple[list[float] | None, str | None]] = {}

    def for_view(self, view: SearchView) -> tuple[list[float] | None, str | None]:
        text = self._query if view is SearchView.RAW else self._masked_text()
        if text not in self._done:
            dense = (
                self._embedder.embed_query(text) if self._mode is not SearchMode.LEXICAL else None
            )
            self._done[text] = (dense, text if self._mode is not SearchMode.DENSE else None)
        return self._done[text]

    def _masked_text(self) -> str:
        if self._masked is None:
            self._masked = masked_query(self._query, self._detector)
        return self._masked


def withheld_chunks(index: VectorReader, scope: CollectionScope) -> int:
    """The chunks of ``scope``'s collection its filter removes (two counts, each cached per
    published version and filter by the index)."""
    if scope.predicate is None:
        return 0
    total = index.count(scope.name, predicate=None)
    return total - index.count(scope.name, predicate=scope.predicate)
