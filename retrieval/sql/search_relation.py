"""The relation a ``vector_search`` call stands for: released evidence as typed columns.

Schema (documented in docs/sql.md): eleven fixed columns, then the collection's scalar metadata
columns sorted by name::

    chunk_id VARCHAR, doc_id VARCHAR, collection VARCHAR, score DOUBLE,
    text VARCHAR (masked for this principal), title VARCHAR (masked), source VARCHAR,
    as_of TIMESTAMP (UTC), stale BOOLEAN, dense_score DOUBLE, lexical_score DOUBLE,
    <metadata ...>

``score`` is the fused rank score (reciprocal-rank fusion: comparable within one call only);
``dense_score`` the cosine similarity of query and chunk and ``lexical_score`` its BM25 score,
each NULL when that ranking did not retrieve the chunk among the candidates it fused
(``retrieval.search.ranking_scores``): the two a relevance cut-off can be put on.

Metadata columns are the front-matter ``metadata`` keys found in the payloads of a sample of
the collection's chunks *this principal may see* (the grant's filter applies to the sample,
so a key that only occurs in hidden documents is not disclosed), together with the keys of
the returned hits. A key is a column when it is a plain lower-case identifier, is not an hqg
payload field and does not shadow a fixed column; its type is BOOLEAN, BIGINT or DOUBLE when
every sampled value is of that kind (ints and floats mix to DOUBLE), else VARCHAR. Documents
of one collection normally share their front-matter keys, so the schema is stable; a query
that names a key the caller's sample lacks fails to bind rather than reading anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC

from hqg.predicates import Predicate
from ingestion.documents.model import RESERVED_KEYS
from ingestion.vectors.base import SearchMode, VectorIndex
from retrieval.evidence import Evidence
from retrieval.provenance import ChunkRef
from retrieval.search import RankingScores

SCHEMA_SAMPLE = 256
Scalar = str | int | float | bool | None

FIXED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("chunk_id", "VARCHAR"),
    ("doc_id", "VARCHAR"),
    ("collection", "VARCHAR"),
    ("score", "DOUBLE"),
    ("text", "VARCHAR"),
    ("title", "VARCHAR"),
    ("source", "VARCHAR"),
    ("as_of", "TIMESTAMP"),
    ("stale", "BOOLEAN"),
    ("dense_score", "DOUBLE"),
    ("lexical_score", "DOUBLE"),
)
_FIXED_NAMES = frozenset(name for name, _ in FIXED_COLUMNS)
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class RelationColumn:
    name: str
    type: str  # a DuckDB type name


@dataclass(frozen=True)
class SearchRelation:
    """One call's released rows, their provenance, and how many chunks policy withheld."""

    collection: str
    columns: tuple[RelationColumn, ...]
    rows: tuple[tuple[Scalar, ...], ...]
    chunks: tuple[ChunkRef, ...]
    withheld: int

    def column_values(self, index: int) -> list[Scalar]:
        return [row[index] for row in self.rows]


def metadata_key(key: str) -> bool:
    """Whether a payload key may become a metadata column."""
    return bool(_KEY.match(key)) and key not in RESERVED_KEYS and key not in _FIXED_NAMES


def _kind(value: object) -> str | None:
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "BIGINT"
    if isinstance(value, float):
        return "DOUBLE"
    if isinstance(value, str):
        return "VARCHAR"
    return None  # lists, objects and nulls say nothing about a scalar column


def metadata_columns(payloads: Iterable[Mapping[str, object]]) -> tuple[RelationColumn, ...]:
    """The metadata columns of a set of payloads (see the module docstring for the rules)."""
    kinds: dict[str, set[str]] = {}
    for payload in payloads:
        for key, value in payload.items():
            kind = _kind(value)
            if kind is not None and metadata_key(key):
                kinds.setdefault(key, set()).add(kind)
    return tuple(RelationColumn(name=key, type=_merge(kinds[key])) for key in sorted(kinds))


def _merge(kinds: set[str]) -> str:
    if len(kinds) == 1:
        return next(iter(kinds))
    if kinds <= {"BIGINT", "DOUBLE"}:
        return "DOUBLE"
    return "VARCHAR"


def sample_payloads(
    index: VectorIndex, collection: str, *, dim: int, predicate: Predicate | None
) -> list[Mapping[str, object]]:
    """Payloads of up to ``SCHEMA_SAMPLE`` chunks the grant's filter admits (a fixed probe
    vector, so the sample does not depend on the query)."""
    probe = [1.0] + [0.0] * (dim - 1)
    hits = index.search(
        collection,
        mode=SearchMode.DENSE,
        dense=probe,
        text=None,
        predicate=predicate,
        k=SCHEMA_SAMPLE,
    )
    return [hit.payload for hit in hits]


def chunk_ref(evidence: Evidence) -> ChunkRef:
    return ChunkRef(
        collection=evidence.collection,
        doc_id=evidence.doc_id,
        chunk_id=evidence.chunk_id,
        doc_version=evidence.doc_version,
        source=evidence.source,
        start=evidence.start,
        end=evidence.end,
        content_hash=evidence.content_hash,
        as_of=evidence.as_of,
        sla_seconds=evidence.sla_seconds,
        stale=evidence.stale,
    )


def search_relation(
    collection: str,
    evidence: Sequence[Evidence],
    *,
    sample: Iterable[Mapping[str, object]],
    withheld: int,
    scores: RankingScores | None = None,
) -> SearchRelation:
    """Rows for ``evidence`` (already masked for the principal) under the collection's schema;
    ``scores`` fill ``dense_score`` and ``lexical_score`` (NULL without)."""
    metadata = metadata_columns([*sample, *(item.metadata for item in evidence)])
    columns = tuple(RelationColumn(name=n, type=t) for n, t in FIXED_COLUMNS) + metadata
    scores = scores or RankingScores(dense={}, lexical={})
    rows = tuple(_row(item, metadata, scores) for item in evidence)
    return SearchRelation(
        collection=collection,
        columns=columns,
        rows=rows,
        chunks=tuple(chunk_ref(item) for item in evidence),
        withheld=withheld,
    )


def _row(
    item: Evidence, metadata: Sequence[RelationColumn], scores: RankingScores
) -> tuple[Scalar, ...]:
    as_of = item.as_of.astimezone(UTC).replace(tzinfo=None).isoformat()
    fixed: tuple[Scalar, ...] = (
        item.chunk_id,
        item.doc_id,
        item.collection,
        item.score,
        item.text,
        item.title,
        item.source,
        as_of,
        item.stale,
        scores.dense.get(item.chunk_id),
        scores.lexical.get(item.chunk_id),
    )
    return fixed + tuple(_coerce(item.metadata.get(c.name), c.type) for c in metadata)


def _coerce(value: object, kind: str) -> Scalar:
    """A value in its column's type; one that does not fit is NULL (never a wrong type)."""
    if value is None:
        return None
    if kind == "VARCHAR":
        return str(value).lower() if isinstance(value, bool) else str(value)
    if _kind(value) == kind:
        return value  # type: ignore[return-value]
    if kind == "DOUBLE" and _kind(value) == "BIGINT":
        return float(value)  # type: ignore[arg-type]
    return None
