"""What a PII detector is, and the three ways callers use one.

A detector finds spans in text (``PiiDetector``); most also scan a batch in one pass
(``BatchPiiDetector``), which costs far less than one model call per text; the gateway's
composite detector also says which version found a batch's spans (``VersionedDetector``),
read from the SAME vocabulary snapshot the batch was scanned with. Spans are stored with
that version so stale ones can be re-scanned: reading the version in a separate call could
name a vocabulary rebuilt in between, and the stored spans would then look fresh when they are
not. Every caller goes through ``detect_many`` / ``detect_versioned`` instead of repeating the
"batch if it can" test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from privacy.spans import Span


@runtime_checkable
class PiiDetector(Protocol):
    """Finds PII in text; spans are offsets into the text as given."""

    def detect(self, text: str) -> list[Span]: ...


@runtime_checkable
class BatchPiiDetector(Protocol):
    """A detector that scans several texts in one pass (cheaper than one call per text)."""

    def detect_many(self, texts: Sequence[str]) -> list[list[Span]]: ...


@dataclass(frozen=True, slots=True)
class Detection:
    """Spans per text and the version of the detector (models + vocabulary) that found them."""

    spans: list[list[Span]]
    version: str


@runtime_checkable
class VersionedDetector(Protocol):
    """A detector whose version can change while it lives (the vocabulary is rebuilt)."""

    def scan(self, texts: Sequence[str]) -> Detection: ...


def detector_version(detector: PiiDetector) -> str:
    """What finds spans now: a model's name, or the composite's models + vocabulary generation."""
    return str(getattr(detector, "version", type(detector).__name__))


def detect_many(detector: PiiDetector, texts: Sequence[str]) -> list[list[Span]]:
    """Spans per text: one batched call where the detector batches, else one call per text."""
    if isinstance(detector, BatchPiiDetector):
        return detector.detect_many(texts)
    return [detector.detect(text) for text in texts]


def detect_versioned(detector: PiiDetector, texts: Sequence[str]) -> Detection:
    """Spans per text with the version that found exactly these spans (see module doc)."""
    if isinstance(detector, VersionedDetector):
        return detector.scan(texts)
    return Detection(spans=detect_many(detector, texts), version=detector_version(detector))
