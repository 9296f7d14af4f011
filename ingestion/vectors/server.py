"""The server ``VectorIndex``: a Qdrant server through ``qdrant-client``, same layout as edge.

BM25 sparse vectors are computed client-side with qdrant-edge's ``Bm25`` (the same tokenizer,
stemmer and weights as the embedded index), and the server applies the IDF modifier. Qdrant's
server-side ``Document(model="Qdrant/bm25")`` is not used: through qdrant-client it needs
fastembed, which downloads its model at run time.

``from_client`` wraps any ``QdrantClient``; the tests pass one in local mode
(``location=":memory:"``), a real engine speaking the same API, but far too slow to be a default.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from hqg.errors import ConfigError, IngestError, NotFound, Unavailable
from hqg.predicates import Predicate
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
from ingestion.vectors.qdrant_filters import to_client_filter
from ingestion.vectors.queries import SearchPlan, cut, fused, plan_search

if TYPE_CHECKING:
    from qdrant_client import QdrantClient
    from qdrant_client import models as qm

_BATCH = 256


class QdrantServerIndex:
    """``VectorIndex`` over a Qdrant server; every client error is ``Unavailable``."""

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        *,
        timeout_s: int = 10,
        hnsw_ef: int = DEFAULT_HNSW_EF,
        exact_below: int = DEFAULT_EXACT_BELOW,
    ) -> None:
        try:
            from qdrant_client import QdrantClient
        except ImportError as exc:
            raise Unavailable(
                "qdrant-client is not installed: `pip install qdrant-client`"
            ) from exc
        client = QdrantClient(
            url=url, api_key=api_key, timeout=timeout_s, check_compatibility=False
        )
        self._setup(client, hnsw_ef=hnsw_ef, exact_below=exact_below)

    @classmethod
    def from_client(
        cls,
        client: QdrantClient,
        *,
        hnsw_ef: int = DEFAULT_HNSW_EF,
        exact_below: int = DEFAULT_EXACT_BELOW,
    ) -> QdrantServerIndex:
        """Wrap an existing client (a server, or local mode in tests)."""
        index = cls.__new__(cls)
        index._setup(client, hnsw_ef=hnsw_ef, exact_below=exact_below)
        return index

    def _setup(self, client: QdrantClient, *, hnsw_ef: int, exact_below: int) -> None:
        from qdrant_client import models

        self._client = client
        self._m = models
        self._hnsw_ef = hnsw_ef
        self._exact_below = exact_below
        self._bm25 = bm25()
        self._dims: dict[str, int] = {}
        self._masked: dict[str, bool] = {}  # whether a collection has the masked view

    def ensure_collection(self, name: str, *, dim: int) -> None:
        """Create the collection and its payload indexes before any point is loaded."""
        check_collection_name(name)
        if self._dim(name, missing_ok=True) is not None:
            if self._dims[name] != dim:
                raise ConfigError(f"collection {name!r} has another vector dimension")
            return
        m = self._m
        self._run(
            self._client.create_collection,
            collection_name=name,
            vectors_config={
                name: m.VectorParams(size=dim, distance=m.Distance.COSINE)
                for name in (DENSE, DENSE_MASKED)
            },
            sparse_vectors_config={
                name: m.SparseVectorParams(modifier=m.Modifier.IDF)
                for name in (SPARSE, SPARSE_MASKED)
            },
        )
        tenant = m.KeywordIndexParams(type=m.KeywordIndexType.KEYWORD, is_tenant=True)
        self._run(self._client.create_payload_index, name, TENANT_FIELD, field_schema=tenant)
        indexed = [(f, m.PayloadSchemaType.KEYWORD) for f in KEYWORD_FIELDS]
        indexed += [(f, m.PayloadSchemaType.INTEGER) for f in INTEGER_FIELDS]
        indexed += [(f, m.PayloadSchemaType.FLOAT) for f in FLOAT_FIELDS]
        for field, kind in indexed:
            self._run(self._client.create_payload_index, name, field, field_schema=kind)
        self._dims[name], self._masked[name] = dim, True

    def _dim(self, name: str, *, missing_ok: bool = False) -> int | None:
        if name not in self._dims:
            if not self._run(self._client.collection_exists, name):
                if missing_ok:
                    return None
                raise NotFound(f"collection {name!r} does not exist")
            vectors = self._run(self._client.get_collection, name).config.params.vectors
            self._dims[name] = int(vectors[DENSE].size)
            self._masked[name] = DENSE_MASKED in vectors
        return self._dims[name]

    def upsert(self, collection: str, points: Sequence[IndexedPoint]) -> None:
        dim = self._dim(collection)
        m = self._m
        structs = []
        for point in points:
            if len(point.dense) != dim:
                raise IngestError(f"a point for {collection!r} has the wrong vector dimension")
            vector = {DENSE: list(point.dense), SPARSE: self._sparse(point.text)}
            if self._masked[collection]:
                masked = point.masked_view
                if len(masked.dense) != dim:
                    raise IngestError(f"a point for {collection!r} has the wrong vector dimension")
                vector |= {
                    DENSE_MASKED: list(masked.dense),
                    SPARSE_MASKED: self._sparse(masked.text),
                }
            payload = stored_payload(point, list_fields=LIST_FIELDS)
            structs.append(m.PointStruct(id=point_id(point.id), vector=vector, payload=payload))
        for start in range(0, len(structs), _BATCH):
            chunk = structs[start : start + _BATCH]
            self._run(self._client.upsert, collection, points=chunk, wait=True)

    def _sparse(self, text: str) -> qm.SparseVector:
        sparse = self._bm25.embed_document(text)
        return self._m.SparseVector(indices=sparse.indices, values=sparse.values)

    def delete_documents(self, collection: str, doc_ids: Sequence[str]) -> None:
        self._dim(collection)
        if not doc_ids:
            return
        m = self._m
        condition = m.FieldCondition(key="doc_id", match=m.MatchAny(any=list(doc_ids)))
        selector = m.FilterSelector(filter=m.Filter(must=[condition]))
        self._run(self._client.delete, collection, points_selector=selector, wait=True)

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
    ) -> list[Hit]:
        dim = self._dim(collection)
        plan = plan_search(mode=mode, dense=dense, text=text, k=k, dim=dim or 0)
        answers = self._query(collection, plan, predicate, view, payloads)
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
    ) -> list[list[Scored]]:
        dim = self._dim(collection)
        plan = plan_search(mode=mode, dense=dense, text=text, k=k, dim=dim or 0, fusing=False)
        answers = self._query(collection, plan, predicate, view, False)
        return cut(plan, [[scored_of(point) for point in answer] for answer in answers])

    def _query(
        self,
        collection: str,
        plan: SearchPlan,
        predicate: Predicate | None,
        view: SearchView,
        payloads: bool,
    ) -> list[list[Any]]:
        """The server's points for each ranking of ``plan``, in one request
        (``query_batch_points``)."""
        if view is SearchView.MASKED and not self._masked[collection]:
            raise no_masked_view(collection)
        where = to_client_filter(predicate) if predicate else None
        exact = self._exact_below > 0 and where is not None
        exact = exact and self._count(collection, where) < self._exact_below
        params = self._m.SearchParams(hnsw_ef=self._hnsw_ef, exact=exact)
        requests = self._queries(plan, where, params, view, payloads)
        answers = self._run(self._client.query_batch_points, collection, requests)
        return [answer.points for answer in answers]

    def fetch(
        self, collection: str, ids: Sequence[str], *, predicate: Predicate | None
    ) -> list[Hit]:
        if not ids:
            return []
        m = self._m
        conditions: list[Any] = [m.HasIdCondition(has_id=[point_id(i) for i in ids])]
        if predicate is not None:
            conditions.append(to_client_filter(predicate))
        records, _ = self._run(
            self._client.scroll,
            collection,
            scroll_filter=m.Filter(must=conditions),
            limit=len(ids),
            with_payload=True,
        )
        return [hit_of(record, score=0.0) for record in records]

    def _queries(
        self,
        plan: SearchPlan,
        where: qm.Filter | None,
        params: Any,
        view: SearchView,
        payloads: bool,
    ) -> list[qm.QueryRequest]:
        """One query per ranking the plan takes, dense first (``fused`` combines them)."""
        m = self._m
        dense_name, sparse_name = vector_names(view)
        sources: list[tuple[Any, str]] = []
        if plan.dense is not None:
            sources.append((list(plan.dense), dense_name))
        if plan.text is not None:
            sparse = self._bm25.embed_query(plan.text)
            query = m.SparseVector(indices=sparse.indices, values=sparse.values)
            sources.append((query, sparse_name))
        return [
            m.QueryRequest(
                query=query,
                using=using,
                params=params,
                filter=where,
                limit=plan.limit,
                with_payload=payloads,
            )
            for query, using in sources
        ]

    def count(self, collection: str, *, predicate: Predicate | None) -> int:
        self._dim(collection)
        return self._count(collection, to_client_filter(predicate) if predicate else None)

    def _count(self, collection: str, where: qm.Filter | None) -> int:
        result = self._run(self._client.count, collection, count_filter=where, exact=True)
        return int(result.count)

    def collections(self) -> list[str]:
        response = self._run(self._client.get_collections)
        return sorted(c.name for c in response.collections)

    def flush(self) -> None:
        """Nothing to do: upserts wait for the server's acknowledgement (``wait=True``)."""

    @contextmanager
    def reading(self) -> Iterator[QdrantServerIndex]:
        """This index itself: one live collection, no versions to hold."""
        yield self

    @contextmanager
    def writer(self, collection: str) -> Iterator[QdrantServerIndex]:
        """An ingest writes to this index itself; flushed when the block succeeds."""
        yield self
        self.flush()

    def close(self) -> None:
        self._run(self._client.close)

    @staticmethod
    def _run(call: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except Exception as exc:
            raise Unavailable("the Qdrant server failed or is unreachable") from exc
