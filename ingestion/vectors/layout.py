"""The layout of a collection, the same on qdrant-edge and on a Qdrant server.

Two named vectors (``dense`` cosine, ``bm25`` sparse with the IDF modifier) over the chunk text
and the same two over its masked text (``dense_masked``, ``bm25_masked``: the masked view, which
a principal whose decision masks PII searches), the chunk text in a reserved payload key, and
keyword payload indexes created before any point is loaded so the HNSW graph is built
filter-aware (``tenant`` as the tenant key). Payload keys are plain
identifiers so a filter column can never be read as a nested JSON path, and string lists are
only allowed in declared list fields, which filters refuse (see ``qdrant_filters``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

import qdrant_edge as qe

from hqg.errors import ConfigError, IngestError, PrivacyError
from ingestion.vectors.base import Hit, IndexedPoint, PayloadValue, Scored, SearchView

DENSE = "dense"
SPARSE = "bm25"
DENSE_MASKED = "dense_masked"
SPARSE_MASKED = "bm25_masked"
TEXT_KEY = "_text"  # the chunk text, stripped from the payload callers see
TENANT_FIELD = "tenant"
KEYWORD_FIELDS = ("classification", "labels", "doc_id")
#: Numeric fields policy filters range over (clearance rank, injection score, and the as-of
#: time the gateway's max-staleness cutoff compares): without an index every filtered count and
#: search scans payloads (measured: 166 ms vs 8 ms at 10k chunks). Indexes are created with a
#: collection, so older collections filter on ``as_of_epoch`` correctly, only by scanning.
#: ``all_tenants`` (1/0) is the other half of every tenant filter (``tenant = t OR all_tenants =
#: 1``): unindexed, the engine cannot estimate that OR and a tenant search got 20x slower
#: (measured: p50 70 ms vs 3 ms at 20k chunks; benchmarks/million.py).
INTEGER_FIELDS = ("classification_rank", "all_tenants")
FLOAT_FIELDS = ("injection_score", "as_of_epoch")
#: Payload fields that hold lists (filters on them are refused: see qdrant_filters).
LIST_FIELDS = frozenset({"labels", "heading_path", "pii_entities", "injection_reasons"})
DEFAULT_EXACT_BELOW = 10_000  # filtered sets smaller than this are searched exactly
DEFAULT_HNSW_EF = 256  # recall@10 0.89 unfiltered on hard synthetic data (128: 0.73)
# BM25 length normalisation expects chunk-sized text (~100 tokens), not qdrant's 256 default;
# on Cranfield abstracts 256 -> 100 raised lexical nDCG@10 from 0.361 to 0.375
BM25_AVG_LEN = 100.0

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
_COLLECTION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def bm25() -> qe.Bm25:
    """The BM25 sparse embedder of documents and queries (same on edge and server)."""
    return qe.Bm25(qe.Bm25Config(avg_len=BM25_AVG_LEN))


def check_collection_name(name: str) -> str:
    """A collection name is also a directory name: no separators, no dots, no surprises."""
    if not _COLLECTION.fullmatch(name):
        raise ConfigError("invalid collection name: use letters, digits, '_' or '-' (max 64)")
    return name


def vector_names(view: SearchView) -> tuple[str, str]:
    """The (dense, sparse) named vectors a view ranks by."""
    return (DENSE, SPARSE) if view is SearchView.RAW else (DENSE_MASKED, SPARSE_MASKED)


def no_masked_view(collection: str) -> PrivacyError:
    """Refusal of a masked search on a collection built before the masked view existed."""
    return PrivacyError(
        f"collection {collection!r} has no masked search view, so it cannot be searched for a "
        "principal whose PII is masked; re-ingest it (delete the collection, then run "
        "hqg ingest docs)"
    )


def is_identifier(key: str) -> bool:
    return _IDENTIFIER.fullmatch(key) is not None


def point_id(raw: str) -> str:
    """The canonical UUID string of a point id (Qdrant accepts only UUIDs or integers)."""
    try:
        return str(uuid.UUID(raw))
    except ValueError as exc:
        raise IngestError("a point id is not a UUID string") from exc


def stored_payload(point: IndexedPoint, *, list_fields: frozenset[str]) -> dict[str, object]:
    """The payload as stored: the caller's fields, checked, plus the text under ``TEXT_KEY``."""
    payload: dict[str, object] = {}
    for key, value in point.payload.items():
        if not is_identifier(key):
            raise IngestError("a payload key is not a plain identifier (letters, digits, '_')")
        if isinstance(value, list) and key not in list_fields:
            raise IngestError(f"payload field {key!r} holds a list but is not a list field")
        payload[key] = value
    payload[TEXT_KEY] = point.text
    return payload


def visible_payload(stored: Mapping[str, object] | None) -> tuple[str, dict[str, PayloadValue]]:
    """Split a stored payload back into (text, caller-visible payload)."""
    payload = dict(stored or {})
    text = payload.pop(TEXT_KEY, "")
    return (text if isinstance(text, str) else ""), payload  # type: ignore[return-value]


def hit_of(point: Any, *, score: float | None = None) -> Hit:
    """An engine's point (either engine: both answer with ``id``, ``score``, ``payload``) as
    the ``Hit`` callers see, its own score unless ``score`` is given."""
    text, payload = visible_payload(point.payload)
    return Hit(
        id=str(point.id),
        score=float(point.score) if score is None else score,
        text=text,
        payload=payload,
    )


def scored_of(point: Any) -> Scored:
    """An engine's point as a ranking candidate: id and score, its payload never read."""
    return Scored(str(point.id), float(point.score))
