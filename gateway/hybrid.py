"""Hybrid SQL: the ``vector_search()`` calls of a governed query, searched under its decision.

One decision covers the whole query: the SQL pipeline asks policy for the tables AND the
collections the query names (action ``sql``), so a denied collection is a 403 naming it, exactly
as a denied table is; a collection the caller may not even see is refused like an unknown one
(``gateway.visibility``). Each call then runs the same governed search as ``/v1/search`` (the
grant's filter and the policy's staleness cutoff inside the index, ``gateway.staleness``;
masking on read with one request-scoped vault for every call, so a pseudonym means the same
person across calls), and its released rows are handed to the SQL engine as parameters: DuckDB
never searches, embeds or calls out.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from authz.decision import Decision
from gateway.service import Gateway
from gateway.staleness import collection_scope
from hqg.errors import QueryLimitExceeded, UnknownCollection
from hqg.resources import collection_key
from ingestion.contracts import format_duration
from ingestion.documents.catalog import CollectionRecord
from ingestion.vectors.base import SearchMode
from ingestion.vectors.queries import MAX_K
from privacy.operators import MaskKind
from privacy.vault import PseudonymVault
from retrieval.evidence import Evidence
from retrieval.provenance import ChunkRef, Freshness, age_text
from retrieval.search import CollectionScope, RankingScores, governed_search
from retrieval.sql.search_relation import (
    RelationColumn,
    SearchRelation,
    sample_payloads,
    search_relation,
)
from retrieval.sql.service import SearchInputs
from retrieval.sql.vector_search import SearchCall

#: How ``vector_search`` ranks: dense + BM25 fused, the ``/v1/search`` default.
HYBRID_SQL_MODE = SearchMode.HYBRID
#: Chunks searched per document asked for by ``vector_search(..., 'documents')``.
DOCUMENT_CHUNKS = 4


def collection_records(
    gateway: Gateway, calls: Sequence[SearchCall]
) -> dict[str, CollectionRecord]:
    """The catalog records of the called collections; an unknown name is refused unnamed (the
    argument is user text and may be anything)."""
    if not calls:
        return {}
    records = {record.name: record for record in gateway.documents.collections()}
    names = dict.fromkeys(call.collection for call in calls)
    if any(name not in records for name in names):
        raise unknown_collection()
    return {name: records[name] for name in names}


def unknown_collection() -> UnknownCollection:
    """The refusal of a ``vector_search`` collection that does not exist, and (the same, by
    ``gateway.visibility``) of one the caller may not see; the name is user text, not echoed."""
    return UnknownCollection("vector_search() names an unknown collection")


def run_searches(
    gateway: Gateway,
    decision: Decision,
    calls: Sequence[SearchCall],
    *,
    records: Mapping[str, CollectionRecord],
    now: datetime,
    deadline: float | None = None,
) -> SearchInputs:
    """Search every call under its collection's scope (grant and staleness cutoff, also for
    the schema sample); one vault for the whole request. ``deadline`` (``time.monotonic``) is
    the statement's: the searches spend the SQL's time, and a call is not started past it."""
    vault = PseudonymVault()
    samples: dict[str, list[Mapping[str, object]]] = {}
    relations: dict[SearchCall, SearchRelation] = {}
    for call in calls:
        if deadline is not None and time.monotonic() >= deadline:
            raise QueryLimitExceeded(
                "the query's vector_search() calls used up its time limit and it was stopped"
            )
        scope = collection_scope(decision, call.collection, now=now)
        evidence, withheld, scores = _search(gateway, call, scope, vault=vault, now=now)
        if call.collection not in samples:
            samples[call.collection] = _sample(gateway, scope, records[call.collection])
        relations[call] = search_relation(
            call.collection,
            evidence,
            sample=samples[call.collection],
            withheld=withheld,
            scores=scores,
        )
    return SearchInputs(relations=relations, max_k=gateway.settings.sql.max_search_k)


def _search(
    gateway: Gateway,
    call: SearchCall,
    scope: CollectionScope,
    *,
    vault: PseudonymVault,
    now: datetime,
) -> tuple[tuple[Evidence, ...], int, RankingScores | None]:
    """One call's released evidence, the chunks its filter withheld and the hits' dense and
    lexical scores: the top ``k`` chunks, or with ``'documents'`` the best chunk of each of
    the top ``k`` documents."""
    found = governed_search(
        gateway.vectors,
        gateway.embedder,
        query=call.query,
        scopes=[scope],
        mode=HYBRID_SQL_MODE,
        k=_chunks_for(call),
        vault=vault,
        now=now,
        detector=gateway.components.pii.get(),
        ranking_scores=True,
    )
    evidence = found.evidence
    if call.per_document:  # ranked best first, so a document's first chunk is its best
        best = {item.doc_id: item for item in reversed(evidence)}
        evidence = tuple(item for item in evidence if best[item.doc_id] is item)[: call.k]
    scores = found.scores.get(call.collection)
    return evidence, found.withheld.get(call.collection, 0), scores


def _chunks_for(call: SearchCall) -> int:
    """Chunks searched for a call: ``k``, or for ``k`` documents ``DOCUMENT_CHUNKS`` times as
    many (at most ``MAX_K``), so that documents with several matching chunks still leave k
    distinct documents in all but pathological collections."""
    if not call.per_document:
        return call.k
    return min(call.k * DOCUMENT_CHUNKS, MAX_K)


def planned_searches(
    gateway: Gateway,
    decision: Decision,
    calls: Sequence[SearchCall],
    *,
    records: Mapping[str, CollectionRecord],
    now: datetime,
) -> SearchInputs:
    """The calls' relations as a plan needs them (explain, dry run): each collection's schema
    from the same sample ``run_searches`` takes under the grant, and no hits: nothing is
    searched, no chunk text is read. The rewrite depends on the schema only (hits are bound
    as parameters), so the plan's SQL is the SQL ``/v1/sql`` executes."""
    relations: dict[SearchCall, SearchRelation] = {}
    samples: dict[str, list[Mapping[str, object]]] = {}
    for call in calls:
        if call.collection not in samples:
            scope = collection_scope(decision, call.collection, now=now)
            samples[call.collection] = _sample(gateway, scope, records[call.collection])
        relations[call] = search_relation(
            call.collection, (), sample=samples[call.collection], withheld=0
        )
    return SearchInputs(relations=relations, max_k=gateway.settings.sql.max_search_k)


def collection_columns(
    gateway: Gateway, decision: Decision, record: CollectionRecord, *, now: datetime
) -> tuple[RelationColumn, ...]:
    """The columns ``vector_search()`` on ``record`` returns to this decision's caller: the
    schema ``run_searches`` and ``planned_searches`` build, from the same sample under the
    grant (a metadata key only hidden chunks carry is not a column)."""
    scope = collection_scope(decision, record.name, now=now)
    sample = _sample(gateway, scope, record)
    return search_relation(record.name, (), sample=sample, withheld=0).columns


def _sample(
    gateway: Gateway, scope: CollectionScope, record: CollectionRecord
) -> list[Mapping[str, object]]:
    """Payloads of chunks the grant lets the caller see: the schema of its relation."""
    return sample_payloads(gateway.vectors, record.name, dim=record.dim, predicate=scope.predicate)


def collection_masking(decision: Decision, names: Sequence[str]) -> dict[str, dict[str, MaskKind]]:
    """``collection:<name>`` -> entity type -> mask kind, for the response's ``masking``."""
    return {
        collection_key(name): dict(decision.collections[name].mask_entities)
        for name in names
        if name in decision.collections
    }


def collection_freshness(chunks: Sequence[ChunkRef], *, now: datetime) -> tuple[Freshness, ...]:
    """One line per collection read: its oldest returned chunk against that chunk's SLA, stale
    if any returned chunk is (each row's ``stale`` column is the per-chunk answer)."""
    lines: list[Freshness] = []
    for name in dict.fromkeys(chunk.collection for chunk in chunks):
        mine = [chunk for chunk in chunks if chunk.collection == name]
        oldest = min(mine, key=lambda chunk: chunk.as_of)
        age = (now - oldest.as_of).total_seconds()
        lines.append(
            Freshness(
                dataset=collection_key(name),
                as_of=oldest.as_of,
                age_seconds=age,
                sla_seconds=oldest.sla_seconds,
                age=age_text(age),
                sla=format_duration(timedelta(seconds=oldest.sla_seconds)),
                stale=any(chunk.stale for chunk in mine),
            )
        )
    return tuple(lines)
