"""What a PII detector is, and the ways callers use one.

A detector finds spans in text (``PiiDetector``); most also scan a batch in one pass
(``BatchPiiDetector``), which costs far less than one model call per text: every caller goes
through ``detect_many`` instead of repeating the "batch if it can" test. The gateway's
composite detector changes version while it lives (its vocabulary of known entities is rebuilt
when the catalog publishes), so a caller that stores spans with the version that found them
scans with ``pinned(detector)``: one vocabulary snapshot for the whole run, whose version is
exactly the one behind every span (reading the version in a separate call could name a
vocabulary rebuilt in between, and the stored spans would then look fresh when they are not).
"""

from __future__ import annotations

from collections.abc import Sequence
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


@runtime_checkable
class PinnableDetector(Protocol):
    """A detector whose version can change while it lives (its vocabulary is rebuilt)."""

    def pinned(self) -> PiiDetector: ...


def detector_version(detector: PiiDetector) -> str:
    """What finds spans now: a model's name, or the composite's models + vocabulary generation."""
    return str(getattr(detector, "version", type(detector).__name__))


def detect_many(detector: PiiDetector, texts: Sequence[str]) -> list[list[Span]]:
    """Spans per text: one batched call where the detector batches, else one call per text."""
    if isinstance(detector, BatchPiiDetector):
        return detector.detect_many(texts)
    return [detector.detect(text) for text in texts]


def detect_distinct(detector: PiiDetector, texts: Sequence[str]) -> list[list[Span]]:
    """``detect_many`` with each distinct text detected once, its spans given to every copy.

    A batch across documents repeats texts (a metadata key, a status, the tenant's name in
    every ticket), and a text's spans depend on that text alone: every detector reads each
    text on its own, batching only groups the calls (held by
    ``tests/ingestion/documents/test_batched_detection.py``). Each copy gets its own list.
    """
    distinct = list(dict.fromkeys(texts))
    found = dict(zip(distinct, detect_many(detector, distinct), strict=True))
    return [list(found[text]) for text in texts]


def pinned(detector: PiiDetector) -> PiiDetector:
    """``detector`` frozen at its current version (see the module doc); others as they are."""
    if isinstance(detector, PinnableDetector):
        return detector.pinned()
    return detector
