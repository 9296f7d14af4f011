"""The detector callers use: NER models, minus allow-listed names, plus known entities.

Privacy must not hang on one model's recall, so detection is layered:

1. every model (spaCy via Presidio, and Rampart) runs and the union of their spans is kept;
2. PERSON/LOCATION spans that an allowed name covers are dropped (``privacy.allow_list``);
3. every known entity (a catalog ``pii:*`` value, ``privacy.known_entities``) is added: after
   the allow-list, so a known value is masked even when it looks like a product name.

Each text is normalised once (``privacy.normalize``) and every layer reads that one result.
The models run at the same time: the first in the caller's thread, the others in a small pool
(ONNX Runtime and numpy's matrix products release the GIL), so a prompt costs about the slower
model rather than the sum of both (the prompt guard's 12 ms p95 budget, ``docs/benchmarks.md``).

The catalog side (``ingestion.known_entities``) supplies the vocabulary and rebuilds it when a
tagged dataset version is published; this module takes ONE snapshot of it per batch, so a
long-lived detector never serves a stale matcher. ``version`` names the models and the
vocabulary's generation; it is stored per chunk and per free-text column version, so stale
spans can be found and re-scanned. A run that stores spans scans with ``pinned()`` (one
snapshot for the whole run), so the version it stores is the one that found every span.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from threading import Lock
from typing import Protocol, runtime_checkable

from privacy.allow_list import AllowList
from privacy.detection import PiiDetector, detect_many, detector_version
from privacy.known_entities import KnownEntities
from privacy.normalize import NormalizedText, normalize_many
from privacy.spans import Span, drop_contained


@dataclass(frozen=True)
class Vocabulary:
    """What the catalog knows: PII values to always find, names never to mask."""

    known: KnownEntities = field(default_factory=KnownEntities.empty)
    allowed: AllowList = field(default_factory=lambda: AllowList(()))


@runtime_checkable
class VocabularySource(Protocol):
    """Gives the current vocabulary (cheap to call per request; rebuilds are its business)."""

    def current(self) -> Vocabulary: ...


@dataclass(frozen=True)
class FixedVocabulary:
    """A vocabulary that never changes (settings only, or tests)."""

    vocabulary: Vocabulary

    def current(self) -> Vocabulary:
        return self.vocabulary


@runtime_checkable
class NormalizedModel(Protocol):
    """A model that reads detection-normalised texts and answers in ORIGINAL offsets."""

    def detect_normalized(self, texts: Sequence[NormalizedText]) -> list[list[Span]]: ...


class CompositeDetector:
    """A ``PiiDetector`` layering models, the allow-list and known entities (see module doc)."""

    def __init__(self, models: Sequence[PiiDetector], vocabulary: VocabularySource) -> None:
        if not models:
            raise ValueError("at least one PII model is needed")
        self._models = tuple(models)
        self._vocabulary = vocabulary
        self._pool = _ModelPool(workers=2 * len(self._models))

    @property
    def models(self) -> tuple[PiiDetector, ...]:
        """The NER models (a caller may layer another vocabulary over the same loaded ones)."""
        return self._models

    @property
    def known_entities(self) -> KnownEntities:
        """The current known-entity matcher (the egress guard applies it to every string)."""
        return self._vocabulary.current().known

    @property
    def models_version(self) -> str:
        return "+".join(detector_version(m) for m in self._models)

    @property
    def version(self) -> str:
        """Models plus the known-entity generation: spans found under another are stale."""
        return f"{self.models_version}/{self.known_entities.generation}"

    def pinned(self) -> CompositeDetector:
        """This detector over a snapshot of the current vocabulary (same models and pool)."""
        clone = CompositeDetector(self._models, FixedVocabulary(self._vocabulary.current()))
        clone._pool = self._pool
        return clone

    def detect(self, text: str) -> list[Span]:
        return self.detect_many([text])[0]

    def detect_many(self, texts: Sequence[str]) -> list[list[Span]]:
        """Spans per text in its own offsets; any layer's failure raises (callers fail closed)."""
        vocabulary = self._vocabulary.current()
        normalized = normalize_many(texts)
        found = self._run_models(texts, normalized)
        return [
            union(
                [
                    *vocabulary.allowed.filter(text, model_spans, normalized=norm),
                    *vocabulary.known.find(text, normalized=norm),
                ]
            )
            for text, norm, model_spans in zip(texts, normalized, found, strict=True)
        ]

    def _run_models(
        self, texts: Sequence[str], normalized: Sequence[NormalizedText]
    ) -> list[list[Span]]:
        first, *others = self._models
        pending: list[Future[list[list[Span]]]] = []
        if others and any(text.strip() for text in texts):
            pool = self._pool.executor()
            pending = [pool.submit(_run, model, texts, normalized) for model in others]
        try:
            found = _run(first, texts, normalized)
        finally:
            results = [future.result() for future in pending]  # waits, re-raises a failure
        for more in results:
            for spans, extra in zip(found, more, strict=True):
                spans.extend(extra)
        return found


class _ModelPool:
    """Threads for the second and later models, made per process (threads don't survive a
    fork: a server that forks after building the detector gets its own)."""

    def __init__(self, *, workers: int) -> None:
        self._workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._pid = 0
        self._lock = Lock()

    def executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None or self._pid != os.getpid():
                self._executor = ThreadPoolExecutor(
                    max_workers=self._workers, thread_name_prefix="hqg-pii"
                )
                self._pid = os.getpid()
            return self._executor


def union(spans: Sequence[Span]) -> list[Span]:
    """Every span, less those inside a stronger span OF THE SAME TYPE.

    Types are kept apart on purpose: a policy may mask US_SSN and release PHONE_NUMBER, so an
    SSN that one model calls a phone must still carry its SSN span (the masker merges overlaps).
    """
    by_type: dict[str, list[Span]] = {}
    for span in spans:
        by_type.setdefault(span.entity_type, []).append(span)
    kept = [span for group in by_type.values() for span in drop_contained(group)]
    return sorted(kept, key=lambda s: (s.start, s.end, s.entity_type))


def _run(
    model: PiiDetector, texts: Sequence[str], normalized: Sequence[NormalizedText]
) -> list[list[Span]]:
    if isinstance(model, NormalizedModel):
        return model.detect_normalized(normalized)
    return [list(spans) for spans in detect_many(model, texts)]
