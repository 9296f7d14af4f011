"""The embedded ``VectorIndex``: qdrant-edge, the real Qdrant engine in-process.

One shard per collection under ``directory/<collection>/``. The shard is safe to use from
several threads (checked: concurrent upserts and queries from four threads); a lock guards
only the map of open shards, so opening, creating and closing never race a search.

The HNSW graph is built only by ``optimize()`` (synchronous; tens of seconds at 100k points):
call it after bulk loads, off the request path. Until then, unindexed points are searched
exactly, so results are complete, only slower. Filters are always applied inside the engine,
never on results; when a filter selects fewer than ``exact_below`` points the search is exact
(filtered HNSW loses recall on selective filters).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from hqg.errors import ConfigError, IngestError, NotFound, Unavailable
from hqg.lru import LruCache
from hqg.predicates import Predicate, cache_key
from ingestion.vectors.base import Hit, IndexedPoint, Scored, SearchMode, SearchView
from ingestion.vectors.layout import (
    DEFAULT_EXACT_BELOW,
    DEFAULT_HNSW_EF,
    DENSE,
    DENSE_MASKED,
    FLOAT_FIELDS,
    INTEGER_FIELDS,
    KEYWORD_FIELDS,
    LIST_FIELDS,
    SPARSE,
    SPARSE_MASKED,
    TENANT_FIELD,
    bm25,
    check_collection_name,
    hit_of,
    no_masked_view,
    point_id,
    scored_of,
    stored_payload,
    vector_names,
)
from ingestion.vectors.qdrant_filters import to_edge_filter
from ingestion.vectors.queries import SearchPlan, cut, fused, plan_search

_BATCH = 512
#: Compiled policy filters kept per index: a principal's predicate is the same on every search.
_FILTERS = 256


def _config(dim: int) -> qe.EdgeConfig:
    vectors = {
        name: qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine)
        for name in (DENSE, DENSE_MASKED)
    }
    sparse = {
        name: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)
        for name in (SPARSE, SPARSE_MASKED)
    }
    return qe.EdgeConfig(vectors=vectors, sparse_vectors=sparse)


def _filter_indexes() -> list[tuple[str, qe.PayloadSchemaType]]:
    """The payload indexes policy filters use, besides the tenant key (see ``layout``)."""
    indexed = [(f, qe.PayloadSchemaType.Keyword) for f in KEYWORD_FIELDS]
    indexed += [(f, qe.PayloadSchemaType.Integer) for f in INTEGER_FIELDS]
    indexed += [(f, qe.PayloadSchemaType.Float) for f in FLOAT_FIELDS]
    return indexed


class EdgeVectorIndex:
    """``VectorIndex`` over qdrant-edge shards in ``directory`` (created if missing)."""

    def __init__(
        self,
        directory: Path,
        *,
        hnsw_ef: int = DEFAULT_HNSW_EF,
        exact_below: int = DEFAULT_EXACT_BELOW,
        list_fields: frozenset[str] = LIST_FIELDS,
    ) -> None:
        self._directory = Path(directory)
        self._hnsw_ef = hnsw_ef
        self._exact_below = exact_below
        self._list_fields = list_fields
        self._bm25 = bm25()
        self._lock = threading.Lock()
        self._shards: dict[str, qe.EdgeShard] = {}
        self._dims: dict[str, int] = {}
        self._masked: dict[str, bool] = {}  # whether a shard has the masked view
        self._filters: LruCache[str, qe.Filter] = LruCache(_FILTERS)
        try:
            self._directory.mkdir(parents=True, exist_ok=True)
            for path in sorted(self._directory.iterdir()):
                if (path / "edge_config.json").is_file():
                    self._open(path.name)
        except Exception as exc:
            raise Unavailable("the vector index directory could not be opened") from exc

    def _open(self, name: str) -> None:
        path = self._directory / name
        self._dims[name], self._masked[name] = stored_dim(path), has_masked_view(path)
        self._shards[name] = qe.EdgeShard.load(str(path), None)

    def ensure_collection(self, name: str, *, dim: int) -> None:
        """Create the shard and its payload indexes (before any point, so HNSW sees them).

        On an existing shard (a writer's copy of the current version), add the filter indexes
        a newer release declares and it lacks, so a collection created before them gets them
        at its next ingest instead of filtering by scanning payloads forever.
        """
        check_collection_name(name)
        with self._lock:
            if name in self._shards:
                if self._dims[name] != dim:
                    raise ConfigError(f"collection {name!r} has another vector dimension")
                try:
                    shard = self._shards[name]
                    present = set(shard.info().payload_schema)
                    for field, kind in _filter_indexes():
                        if field not in present:
                            shard.update(qe.UpdateOperation.create_field_index(field, kind))
                except Exception as exc:
                    raise Unavailable(f"collection {name!r} could not be indexed") from exc
                return
            try:
                shard = qe.EdgeShard.create(str(self._directory / name), _config(dim))
                shard.update(
                    qe.UpdateOperation.create_field_index(
                        TENANT_FIELD, qe.KeywordIndexParams(is_tenant=True)
                    )
                )
                for field, kind in _filter_indexes():
                    shard.update(qe.UpdateOperation.create_field_index(field, kind))
            except Exception as exc:
                raise Unavailable(f"collection {name!r} could not be created") from exc
            self._shards[name] = shard
            self._dims[name], self._masked[name] = dim, True

    def _shard(self, name: str) -> qe.EdgeShard:
        with self._lock:
            shard = self._shards.get(name)
        if shard is None:
            raise NotFound(f"collection {name!r} does not exist")
        return shard

    def upsert(self, collection: str, points: Sequence[IndexedPoint]) -> None:
        shard = self._shard(collection)
        dim = self._dims[collection]
        batch: list[qe.Point] = []
        for point in points:
            if len(point.dense) != dim:
                raise IngestError(f"a point for {collection!r} has the wrong vector dimension")
            vectors: dict[str, Any] = {
                DENSE: list(point.dense),
                SPARSE: self._bm25.embed_document(point.text),
            }
            if self._masked[collection]:
                masked = point.masked_view
                if len(masked.dense) != dim:
                    raise IngestError(f"a point for {collection!r} has the wrong vector dimension")
                vectors[DENSE_MASKED] = list(masked.dense)
                vectors[SPARSE_MASKED] = self._bm25.embed_document(masked.text)
            payload = stored_payload(point, list_fields=self._list_fields)
            batch.append(qe.Point(point_id(point.id), vectors, payload))
        for start in range(0, len(batch), _BATCH):
            self._run(shard.update, qe.UpdateOperation.upsert_points(batch[start : start + _BATCH]))

    def delete_documents(self, collection: str, doc_ids: Sequence[str]) -> None:
        if not doc_ids:
            return
        condition = qe.FieldCondition("doc_id", match=qe.MatchAny(list(doc_ids)))
        operation = qe.UpdateOperation.delete_points_by_filter(qe.Filter(must=[condition]))
        self._run(self._shard(collection).update, operation)

    def search(
        self,
        collection: str,
        *,
        mode: SearchMode,
        dense: Sequence[float] | None,
        text: str | None,
        predicate: Predicate | None,
        k: int,
        view: SearchView = SearchView.RAW,
        payloads: bool = True,
        selected: Callable[[], int] | None = None,
    ) -> list[Hit]:
        """``selected``: how the caller counts the points ``predicate`` selects (called only
        when that decides exact search; ``VersionedEdgeIndex`` answers from its cache);
        without it the shard counts them."""
        shard = self._shard(collection)
        plan = plan_search(mode=mode, dense=dense, text=text, k=k, dim=self._dims[collection])
        answers = self._query(shard, collection, plan, predicate, view, payloads, selected)
        return fused(plan, [[hit_of(point) for point in answer] for answer in answers])

    def rankings(
        self,
        collection: str,
        *,
        mode: SearchMode,
        dense: Sequence[float] | None,
        text: str | None,
        predicate: Predicate | None,
        k: int,
        view: SearchView = SearchView.RAW,
        selected: Callable[[], int] | None = None,
    ) -> list[list[Scored]]:
        """``selected``: as for ``search``."""
        shard = self._shard(collection)
        dim = self._dims[collection]
        plan = plan_search(mode=mode, dense=dense, text=text, k=k, dim=dim, fusing=False)
        answers = self._query(shard, collection, plan, predicate, view, False, selected)
        return cut(plan, [[scored_of(point) for point in answer] for answer in answers])

    def _query(
        self,
        shard: qe.EdgeShard,
        collection: str,
        plan: SearchPlan,
        predicate: Predicate | None,
        view: SearchView,
        payloads: bool,
        selected: Callable[[], int] | None,
    ) -> list[list[Any]]:
        """The engine's points for each ranking of ``plan``, in one call (``query_batch``: the
        rankings share one planned pass over the segments)."""
        if view is SearchView.MASKED and not self._masked[collection]:
            raise no_masked_view(collection)
        where = self._where(predicate)
        count = selected or (lambda: self._count(shard, where))
        exact = self._exact_below > 0 and where is not None and count() < self._exact_below
        requests = self._requests(plan, where, exact, view, payloads)
        return list(self._run(shard.query_batch, qe.QueryBatchRequest(requests)))

    def fetch(
        self, collection: str, ids: Sequence[str], *, predicate: Predicate | None
    ) -> list[Hit]:
        if not ids:
            return []
        conditions: list[Any] = [qe.HasIdCondition({point_id(i) for i in ids})]
        if predicate is not None:
            conditions.append(self._where(predicate))
        request = qe.ScrollRequest(
            limit=len(ids), filter=qe.Filter(must=conditions), with_payload=True
        )
        records, _ = self._run(self._shard(collection).scroll, request)
        return [hit_of(record, score=0.0) for record in records]

    def _requests(
        self,
        plan: SearchPlan,
        where: qe.Filter | None,
        exact: bool,
        view: SearchView,
        payloads: bool,
    ) -> list[qe.QueryRequest]:
        """One request per ranking the plan takes, dense first (``fused`` combines them)."""
        params = qe.SearchParams(hnsw_ef=self._hnsw_ef, exact=exact)
        dense_name, sparse_name = vector_names(view)
        queries: list[Any] = []
        if plan.dense is not None:
            queries.append(qe.Query.Nearest(list(plan.dense), using=dense_name))
        if plan.text is not None:
            queries.append(qe.Query.Nearest(self._bm25.embed_query(plan.text), using=sparse_name))
        return [
            qe.QueryRequest(
                limit=plan.limit, query=query, filter=where, params=params, with_payload=payloads
            )
            for query in queries
        ]

    def count(self, collection: str, *, predicate: Predicate | None) -> int:
        return self._count(self._shard(collection), self._where(predicate))

    def _where(self, predicate: Predicate | None) -> qe.Filter | None:
        """``predicate`` compiled to a filter, once per distinct predicate (compiling costs
        more than a small search's other Python work, and the same grant filters every search).
        Keyed by ``cache_key``, which tells ``= 1`` from ``= true``; an invalid predicate
        raises each time (nothing cached). The filter is only read by the engine."""
        if predicate is None:
            return None  # no predicate is the only way to no filter: never a cache miss
        key = cache_key(predicate)
        where = self._filters.get(key) if key is not None else None
        if where is None:
            where = to_edge_filter(predicate, list_fields=self._list_fields)
            if key is not None:
                self._filters.put(key, where)
        return where

    def _count(self, shard: qe.EdgeShard, where: qe.Filter | None) -> int:
        return int(self._run(shard.count, qe.CountRequest(exact=True, filter=where)))

    def collections(self) -> list[str]:
        with self._lock:
            return sorted(self._shards)

    def optimize(self, collection: str) -> bool:
        """Build the HNSW graph (blocking); run after bulk loads, off the request path."""
        return bool(self._run(self._shard(collection).optimize))

    def flush(self) -> None:
        with self._lock:
            shards = list(self._shards.values())
        for shard in shards:
            self._run(shard.flush)

    @contextmanager
    def reading(self) -> Iterator[EdgeVectorIndex]:
        """This index itself: one live collection, no versions to hold."""
        yield self

    @contextmanager
    def writer(self, collection: str) -> Iterator[EdgeVectorIndex]:
        """An ingest writes to this index itself; flushed when the block succeeds."""
        yield self
        self.flush()

    def close(self) -> None:
        with self._lock:
            shards, self._shards = list(self._shards.values()), {}
        for shard in shards:
            self._run(shard.close)

    @staticmethod
    def _run(call: Any, *args: Any) -> Any:
        try:
            return call(*args)
        except Exception as exc:  # qdrant-edge raises bare Exception for engine errors
            raise Unavailable("the embedded vector index failed") from exc


def stored_dim(path: Path) -> int:
    """The dense dimension of an existing shard, from the config qdrant-edge stores beside it."""
    config = json.loads((path / "edge_config.json").read_text(encoding="utf-8"))
    return int(config["vectors"][DENSE]["size"])


def has_masked_view(path: Path) -> bool:
    """Whether an existing shard was created with the masked view's named vectors."""
    config = json.loads((path / "edge_config.json").read_text(encoding="utf-8"))
    return DENSE_MASKED in config["vectors"] and SPARSE_MASKED in config.get("sparse_vectors", {})
