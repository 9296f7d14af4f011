"""The heavy engines (PII detector, injection detector, embedder, vector index), built lazily.

Loading spaCy or torch takes seconds; a gateway serving only SQL never pays for them. Each is
built once, on first use, under a lock, from its settings section; ``gateway.wiring`` picks
their implementations.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from guards.heuristics import HeuristicInjectionDetector
from guards.learned import EvidenceInjectionDetector, document_detector, evidence_detector
from guards.settings import GuardSettings
from guards.verdict import InjectionDetector
from ingestion.embedding import Embedder, embed_queries
from ingestion.vectors.base import VectorIndex
from privacy.composite import VocabularySource
from privacy.detector import PiiDetector

T = TypeVar("T")


@dataclass
class Lazy(Generic[T]):
    """A value built on first ``get()``; thread-safe; ``peek()`` never builds."""

    build: Callable[[], T]
    _value: T | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self) -> T:
        with self._lock:
            if self._value is None:
                self._value = self.build()
            return self._value

    def peek(self) -> T | None:
        return self._value


@dataclass
class Components:
    """The lazily built engines of one process."""

    pii: Lazy[PiiDetector]
    #: the catalog's known entities and allowed names (``vocabulary.get().current().known`` is
    #: the matcher the egress guard applies); the same object feeds ``pii``
    vocabulary: Lazy[VocabularySource]
    injection: Lazy[InjectionDetector]
    embedder: Lazy[Embedder]
    vectors: Lazy[VectorIndex]
    guards: GuardSettings = field(default_factory=GuardSettings)

    def document_injection(self) -> InjectionDetector:
        """The detector document chunks are scored with at ingest: the rules plus, unless
        ``HQG_GUARDS__LEARNED_DOCUMENTS`` is off, the learned classifier on the embeddings
        of the chunk's sentence windows (``guards.learned``)."""
        rules = HeuristicInjectionDetector(self.guards)
        return document_detector(rules, self.embedder.get().embed, self.guards)

    def evidence_injection(self) -> EvidenceInjectionDetector | None:
        """The ask-time re-scorer of retrieved evidence with the question as context
        (``HQG_GUARDS__LEARNED_EVIDENCE``), None when off."""
        rules = HeuristicInjectionDetector(self.guards)
        return evidence_detector(
            rules, lambda texts: embed_queries(self.embedder.get(), texts), self.guards
        )

    @contextmanager
    def writer(self, collection: str) -> Iterator[VectorIndex]:
        """Where an ingest writes: a fresh version of an embedded collection (published when
        the block succeeds, so a serving gateway is never blocked), or the server itself."""
        with self.vectors.get().writer(collection) as fresh:
            yield fresh

    def close(self) -> None:
        index = self.vectors.peek()
        if index is not None:
            index.close()
