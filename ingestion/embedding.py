"""The ``Embedder`` protocol: text to dense vectors, on CPU, from weights shipped in a package.

Two kinds of text are embedded, and they want different runtimes. A **query** (what a request
embeds: a search text, a question, a prompt) is one short text on the serving path, where the
cost per call and CPU spent under concurrency matter; a **stored text** (a document chunk and
its masked view, what an ingest embeds and scores) comes in batches, where throughput on every
core matters. ``embed_query`` and ``embed`` name the two, so a deployment may run each on its
own runtime (``SplitEmbedder``). Which one a text goes through depends on what the text is,
never on how many texts a call carries: the vectors an ingest stores must not depend on how
its documents were batched.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from hqg.errors import Unavailable


class Embedder(Protocol):
    """Embeds text; ``dim`` is fixed for a model, ``name`` identifies it in the catalog."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Texts an ingest stores (or scores for storing), in order, batched."""
        ...

    def embed_query(self, text: str) -> list[float]:
        """One text a request embeds (never stored)."""
        ...


def embed_queries(embedder: Embedder, texts: Sequence[str]) -> list[list[float]]:
    """Several texts of one request (a prompt's windows, evidence re-scored at ask time), each
    on the query runtime: a request's embeddings never wait for the batch runtime."""
    return [embedder.embed_query(text) for text in texts]


class SplitEmbedder:
    """Queries on one runtime, stored texts on another, of the same model.

    The batch runtime is built on the first ``embed`` (``documents`` loads it), so a serving
    process that only embeds queries never loads it; a failure to load it is ``Unavailable``
    for that ingest, which aborts (``ingestion.documents.faults``). Both must be the model the
    catalog records (``name``, ``dim``): their vectors are then comparable
    (``tests/ingestion/test_onnx_embedder.py``).
    """

    def __init__(self, *, queries: Embedder, documents: Callable[[], Embedder]) -> None:
        self._queries, self._load = queries, documents
        self._documents: Embedder | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._queries.name

    @property
    def dim(self) -> int:
        return self._queries.dim

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self._batch_runtime().embed(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._queries.embed_query(text)

    def _batch_runtime(self) -> Embedder:
        with self._lock:
            if self._documents is None:
                documents = self._load()
                if (documents.name, documents.dim) != (self.name, self.dim):
                    raise Unavailable(
                        f"the batch embedding runtime runs {documents.name} ({documents.dim}-d), "
                        f"the query runtime {self.name} ({self.dim}-d)"
                    )
                self._documents = documents
            return self._documents
