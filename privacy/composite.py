"""The detector callers use: NER models, minus allow-listed names, plus known entities.

Privacy must not hang on one model's recall, so detection is layered:

1. every model (spaCy via Presidio, and Rampart) runs and the union of their spans is kept;
2. PERSON/LOCATION spans that an allowed name covers are dropped (``privacy.allow_list``);
3. every known entity (a catalog ``pii:*`` value, ``privacy.known_entities``) is added: after
   the allow-list, so a known value is masked even when it looks like a product name.

The catalog side (``ingestion.known_entities``) supplies the vocabulary and rebuilds it when a
tagged dataset version is published; this module only asks for the current one per call, so a
long-lived detector never serves a stale matcher. ``version`` names the models and the
vocabulary's generation: it is stored per chunk and per free-text column version, so stale
spans can be found and re-scanned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from privacy.allow_list import AllowList
from privacy.known_entities import KnownEntities
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
class _Model(Protocol):
    def detect(self, text: str) -> list[Span]: ...


@runtime_checkable
class _BatchModel(Protocol):
    def detect_many(self, texts: Sequence[str]) -> list[list[Span]]: ...


class CompositeDetector:
    """A ``PiiDetector`` layering models, the allow-list and known entities (see module doc)."""

    def __init__(self, models: Sequence[_Model], vocabulary: VocabularySource) -> None:
        if not models:
            raise ValueError("at least one PII model is needed")
        self._models = tuple(models)
        self._vocabulary = vocabulary

    @property
    def known_entities(self) -> KnownEntities:
        """The current known-entity matcher (the egress guard applies it to every string)."""
        return self._vocabulary.current().known

    @property
    def models_version(self) -> str:
        return "+".join(str(getattr(m, "version", type(m).__name__)) for m in self._models)

    @property
    def version(self) -> str:
        """Models plus known-entity generation: spans found under another version are stale."""
        return f"{self.models_version}/{self.known_entities.generation}"

    def detect(self, text: str) -> list[Span]:
        return self.detect_many([text])[0]

    def detect_many(self, texts: Sequence[str]) -> list[list[Span]]:
        """Spans per text in its own offsets; any layer's failure raises (callers fail closed)."""
        vocabulary = self._vocabulary.current()
        found: list[list[Span]] = [[] for _ in texts]
        for model in self._models:
            for spans, more in zip(found, _run(model, texts), strict=True):
                spans.extend(more)
        return [
            union([*vocabulary.allowed.filter(text, spans), *vocabulary.known.find(text)])
            for text, spans in zip(texts, found, strict=True)
        ]


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


def _run(model: _Model, texts: Sequence[str]) -> list[list[Span]]:
    if isinstance(model, _BatchModel):
        return model.detect_many(texts)
    return [model.detect(text) for text in texts]
