"""The heavy engines (PII detector, injection detector, embedder, vector index), built lazily.

Loading spaCy or torch takes seconds; a gateway serving only SQL never pays for them. Each is
built once, on first use, under a lock, from its settings section: this is the one place that
picks their implementations (with ``build_gateway`` for the rest).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from gateway.settings import Settings
from guards.heuristics import HeuristicInjectionDetector
from guards.learned import document_detector, prompt_detector
from guards.settings import GuardSettings
from guards.verdict import InjectionDetector
from ingestion.embedding import Embedder
from ingestion.known_entities import CatalogVocabulary
from ingestion.vectors.base import VectorIndex
from ingestion.vectors.settings import build_embedder, build_vector_index
from ingestion.vectors.versions import VersionedEdgeIndex
from privacy.composite import VocabularySource
from privacy.detector import PiiDetector, build_detector
from privacy.spans import Span

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
        ``HQG_GUARDS__LEARNED_DOCUMENTS`` is off, the learned classifier on the chunk's
        embedding (``guards.learned``)."""
        rules = HeuristicInjectionDetector(self.guards)
        return document_detector(rules, self.embedder.get().embed, self.guards)

    @contextmanager
    def writer(self, collection: str) -> Iterator[VectorIndex]:
        """Where an ingest writes: a fresh version of an embedded collection (published when
        the block succeeds, so a serving gateway is never blocked), or the server itself."""
        index = self.vectors.get()
        if isinstance(index, VersionedEdgeIndex):
            with index.writer(collection) as fresh:
                yield fresh
            return
        yield index
        index.flush()

    def close(self) -> None:
        index = self.vectors.peek()
        if index is not None:
            index.close()


def catalog_vocabulary(settings: Settings) -> CatalogVocabulary:
    """Known entities and allowed names from the workspace catalog (see ``build_detector``)."""
    workspace = settings.workspace
    return CatalogVocabulary(
        home=workspace.home,
        catalog_path=workspace.catalog_path,
        allow_list=settings.privacy.allow_list,
        known_entities=settings.privacy.known_entities,
    )


def build_components(settings: Settings) -> Components:
    """Components for ``settings``; nothing heavy is loaded until it is used."""
    vocabulary: Lazy[VocabularySource] = Lazy(lambda: catalog_vocabulary(settings))
    embedder: Lazy[Embedder] = Lazy(lambda: build_embedder(settings.embedding))
    return Components(
        pii=Lazy(lambda: build_detector(settings.privacy, vocabulary=vocabulary.get())),
        vocabulary=vocabulary,
        injection=Lazy(
            lambda: prompt_detector(
                HeuristicInjectionDetector(settings.guards),
                lambda texts: embedder.get().embed(texts),
                settings.guards,
            )
        ),
        embedder=embedder,
        vectors=Lazy(lambda: build_vector_index(settings.vectors, settings.workspace.vectors_dir)),
        guards=settings.guards,
    )


def known_entity_finder(vocabulary: Lazy[VocabularySource]) -> Callable[[str], list[Span]]:
    """The egress guard's finder for the catalog's known entities: every ``pii:*`` value, in
    the vocabulary of the catalog's current generation (rebuilt when a version is published),
    so a value the ingest-time detector missed is still masked on the way out."""

    def find(text: str) -> list[Span]:
        return vocabulary.get().current().known.find(text)

    return find
