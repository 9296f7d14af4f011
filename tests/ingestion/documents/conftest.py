"""Honest in-memory doubles for the document pipeline's collaborators, and small helpers.

``MemoryIndex`` implements the ``VectorIndex`` protocol and filters with the reference
semantics (``hqg.predicates.evaluate``); its ``writer`` yields it, so writes are immediate, as on
a Qdrant server. ``HashingEmbedder`` is a deterministic bag-of-words
embedder. The real qdrant-edge index and embedding model get their own integration tests.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from guards.verdict import InjectionVerdict
from hqg.predicates import Predicate, evaluate
from ingestion.documents.pipeline import ingest_documents
from ingestion.documents.report import DocRunReport
from ingestion.vectors.base import Hit, IndexedPoint, SearchMode
from ingestion.workspace import Workspace

_WORD = re.compile(r"\w+")


class HashingEmbedder:
    """Feature-hashed bag of words, L2-normalised; counts what it was asked to embed."""

    def __init__(self, dim: int = 32, name: str = "test-hashing-32") -> None:
        self._dim, self._name = dim, name
        self.calls: list[int] = []

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append(len(texts))
        return [self._one(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        (vector,) = self.embed([text])
        return vector

    def _one(self, text: str) -> list[float]:
        vector = [0.0] * self._dim
        for word in _WORD.findall(text.lower()):
            digest = hashlib.sha256(word.encode()).digest()
            vector[digest[0] % self._dim] += 1.0 if digest[1] % 2 else -1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]

    @property
    def embedded(self) -> int:
        return sum(self.calls)


class MemoryIndex:
    """A dict of collections of points; search is exact, filters use ``evaluate``."""

    def __init__(self) -> None:
        self._points: dict[str, dict[str, IndexedPoint]] = {}
        self._dims: dict[str, int] = {}

    @contextmanager
    def writer(self, collection: str) -> Iterator[MemoryIndex]:
        """The pipeline's ``Writer``: this index itself, like a server's."""
        yield self

    def ensure_collection(self, name: str, *, dim: int) -> None:
        if name in self._dims and self._dims[name] != dim:
            raise ValueError("dimension mismatch")
        self._dims.setdefault(name, dim)
        self._points.setdefault(name, {})

    def upsert(self, collection: str, points: Sequence[IndexedPoint]) -> None:
        for point in points:
            if len(point.dense) != self._dims[collection]:
                raise ValueError("wrong vector size")
            self._points[collection][point.id] = point

    def delete_documents(self, collection: str, doc_ids: Sequence[str]) -> None:
        wanted = set(doc_ids)
        store = self._points[collection]
        for key in [k for k, p in store.items() if p.payload.get("doc_id") in wanted]:
            del store[key]

    def search(
        self,
        collection: str,
        *,
        mode: SearchMode,
        dense: Sequence[float] | None,
        text: str | None,
        predicate: Predicate | None,
        k: int,
    ) -> list[Hit]:
        candidates = self._matching(collection, predicate)
        if mode == SearchMode.LEXICAL:
            words = set(_WORD.findall((text or "").lower()))
            scored = [
                (float(len(words & set(_WORD.findall(p.text.lower())))), p) for p in candidates
            ]
        else:
            query = list(dense or [])
            scored = [(sum(a * b for a, b in zip(query, p.dense)), p) for p in candidates]
        scored.sort(key=lambda pair: (-pair[0], pair[1].id))
        return [
            Hit(id=p.id, score=float(score), text=p.text, payload=p.payload)
            for score, p in scored[:k]
        ]

    def count(self, collection: str, *, predicate: Predicate | None) -> int:
        return len(self._matching(collection, predicate))

    def collections(self) -> list[str]:
        return sorted(self._points)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def points(self, collection: str) -> list[IndexedPoint]:
        """Every point, ordered by (doc id, chunk index): a test's view of the index."""
        return sorted(
            self._points.get(collection, {}).values(),
            key=lambda p: (str(p.payload["doc_id"]), str(p.payload["chunk_index"]).zfill(9)),
        )

    def _matching(self, collection: str, predicate: Predicate | None) -> list[IndexedPoint]:
        points = list(self._points.get(collection, {}).values())
        if predicate is None:
            return points
        return [p for p in points if evaluate(predicate, p.payload) is True]


class PhraseInjectionDetector:
    """Flags the one classic override phrase; enough to drive the quarantine rules."""

    PHRASE = "ignore all previous instructions"

    def score(self, text: str) -> InjectionVerdict:
        if self.PHRASE in " ".join(text.lower().split()):
            return InjectionVerdict(score=0.9, reasons=("instruction_override",))
        return InjectionVerdict(score=0.0)


def minimal_pdf(text: str, *, title: str | None = None) -> bytes:
    """A one-page PDF with one text object, written by hand (correct xref offsets)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title (%s) >>" % (title or "").encode("latin-1"),
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return out


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def index() -> MemoryIndex:
    return MemoryIndex()


@pytest.fixture
def injection() -> PhraseInjectionDetector:
    return PhraseInjectionDetector()


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    root.mkdir()
    return root


@pytest.fixture
def put(docs: Path) -> Callable[[str, str | bytes], Path]:
    """Write a file under the docs root and return its path."""

    def _put(name: str, content: str | bytes) -> Path:
        path = docs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _put


Ingest = Callable[..., DocRunReport]


@pytest.fixture
def ingest(
    workspace: Workspace,
    detector: Any,
    injection: PhraseInjectionDetector,
    embedder: HashingEmbedder,
    index: MemoryIndex,
    docs: Path,
) -> Ingest:
    """``ingest(path=docs, collection="handbook", **options)`` with this test's doubles
    (``embedder`` and ``writer`` may be overridden); the tenant is acme unless the options
    say how tenancy is set."""

    def _ingest(path: Path | None = None, **options: Any) -> DocRunReport:
        options.setdefault("collection", "handbook")
        if not options.get("all_tenants") and "tenancy" not in options:
            options.setdefault("tenant", "acme")
        return ingest_documents(
            workspace,
            path or docs,
            detector=detector,
            injection=injection,
            embedder=options.pop("embedder", embedder),
            writer=options.pop("writer", index.writer),
            **options,
        )

    return _ingest
