"""The vocabulary of the vector index, shared by both implementations and their callers.

Points carry a dense vector, the chunk text (for BM25 lexical search), the same two over the
masked text (the masked view: every detected PII value replaced by a numberless placeholder),
and a flat payload of scalars and string lists (tenant, classification, labels, doc id,
provenance fields, spans as JSON). Filters are the policy predicate language
(``hqg.predicates``); each implementation compiles a ``Predicate`` to its own filter type, so
the policy that filters SQL rows filters points too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeAlias

from pydantic import BaseModel, ConfigDict

from hqg.predicates import Predicate

PayloadValue: TypeAlias = str | int | float | bool | list[str] | None


class SearchMode(StrEnum):
    DENSE = "dense"
    LEXICAL = "lexical"  # BM25 over the chunk text
    HYBRID = "hybrid"  # reciprocal-rank fusion of dense and lexical


class SearchView(StrEnum):
    """Which vectors a search ranks by.

    ``masked`` ranks by vectors of the masked text, so a principal whose decision masks PII can
    never rank, and so re-identify, documents by a value it may not see; ``raw`` is for
    principals that may see every value.
    """

    RAW = "raw"
    MASKED = "masked"


class MaskedView(BaseModel):
    """A chunk's masked text and its dense vector (what the masked view ranks by)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dense: tuple[float, ...]
    text: str


class IndexedPoint(BaseModel):
    """One chunk as stored in the index.

    ``masked`` None means the text holds nothing to mask: the masked view ranks it by its raw
    vectors. Document ingest always sets it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str  # a UUID string, stable for (collection, doc_id, chunk index, doc version)
    dense: tuple[float, ...]
    text: str
    payload: Mapping[str, PayloadValue]
    masked: MaskedView | None = None

    @property
    def masked_view(self) -> MaskedView:
        return self.masked or MaskedView(dense=self.dense, text=self.text)


class Hit(BaseModel):
    """One search result: the point's id, its score and its payload (text included)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    score: float
    text: str
    payload: Mapping[str, PayloadValue]


@dataclass(frozen=True, slots=True)
class Scored:
    """A ranking candidate: a point's id and its score, nothing read from its payload.

    A plain dataclass, not a ``Hit``: a governed search ranks ~200 candidates over its
    collections to serve five, and validating a model per candidate was ~8 % of its CPU."""

    id: str
    score: float


class VectorReader(Protocol):
    """What retrieval reads from an index; both implementations pass the same tests."""

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
        """Top ``k`` points matching ``predicate`` (an ``hqg.predicates.Predicate`` or None),
        ranked in ``view``; a collection built without the masked view refuses ``masked``
        (``PrivacyError``: re-ingest it). ``payloads=False``: ids and scores only (empty
        ``text`` and ``payload``), for a caller that ranks many candidates and ``fetch``es the
        few it serves: reading every candidate's payload out of the engine costs more than
        ranking them."""

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
        """The rankings ``mode`` takes, not fused: the dense one, then the lexical one (hybrid
        takes both), each the best ``k`` with ties broken by id, ids and scores only (no
        payload is read: ``fetch`` the few served). Hybrid's two rankings are one engine call,
        so a caller that fuses rankings across collections (``retrieval.search``) pays one
        call per collection; the filter, view and exactness are ``search``'s."""

    def fetch(
        self, collection: str, ids: Sequence[str], *, predicate: Predicate | None
    ) -> list[Hit]:
        """The points among ``ids`` that ``predicate`` admits, with their payloads (score 0,
        in no particular order). The filter is applied inside the engine, as for ``search``, so
        a point the policy removes is never read, whatever ids a caller passes; an id that no
        longer exists (a newer version was published meanwhile) is simply absent."""

    def count(self, collection: str, *, predicate: Predicate | None) -> int: ...

    def collections(self) -> list[str]: ...


class VectorIndex(VectorReader, Protocol):
    """The index: reading, writing (``writer``) and ``reading``, one request's reader."""

    def reading(self) -> AbstractContextManager[VectorReader]:
        """A reader whose calls all see one version of each collection, the one published at
        its first call on it, whatever is published before the block ends (a request's
        rankings, counts and fetches agree); the next ``reading`` sees the newest. An index
        that is one live collection (a Qdrant server, an ingest's writer) is its own reader."""
        ...

    def ensure_collection(self, name: str, *, dim: int) -> None:
        """Create the collection (and its payload indexes) if it does not exist."""

    def upsert(self, collection: str, points: Sequence[IndexedPoint]) -> None: ...

    def delete_documents(self, collection: str, doc_ids: Sequence[str]) -> None:
        """Remove every point of these documents; they can never be retrieved again."""

    def flush(self) -> None: ...

    def close(self) -> None: ...

    def writer(self, collection: str) -> AbstractContextManager[VectorIndex]:
        """Where an ingest writes ``collection``: a fresh version published when the block
        succeeds (embedded, versioned), or the index itself, flushed after the block."""
        ...
