"""A run's PII detector reads each distinct text once for the whole run, not once per batch.

A run scans its file names first (``identity_names``), then documents in batches
(``prepare.prepare_drafts``), and a front-matter id per document. The same short texts come
back across those calls: a document id's segments are the file name scanned at the start, and
every ticket repeats its metadata keys, its statuses and its tenant's name in every batch.
``detect_distinct`` dedupes within one call; this dedupes across the calls of a run. A text's
spans depend on that text alone (``privacy.detection.detect_distinct``), and the run's
detector is pinned to one vocabulary snapshot (``privacy.detection.pinned``), so an answer
kept from an earlier call is the one the model would give again.
"""

from __future__ import annotations

from collections.abc import Sequence

from hqg.lru import LruCache
from privacy.detection import PiiDetector, detect_many, detector_version
from privacy.spans import Span

RUN_MEMO_TEXTS = 4096
"""Texts a run remembers (least recently used dropped): the repeated ones are short and
recur every document, so they stay; chunk texts pass through and age out."""


class RunDetector:
    """``detector`` (pinned for the run) with the spans of the last ``capacity`` texts kept.

    One per run, on the run's thread; a failing call keeps nothing, so a retried text is read
    again. ``version`` is the wrapped detector's: the memo adds no detection of its own. The
    fault probe (``faults.Probe``) must call the wrapped detector itself: a remembered answer
    says nothing about whether the model still works.
    """

    def __init__(self, detector: PiiDetector, *, capacity: int = RUN_MEMO_TEXTS) -> None:
        self._detector = detector
        self._seen: LruCache[str, tuple[Span, ...]] = LruCache(capacity)
        self.version = detector_version(detector)

    def detect(self, text: str) -> list[Span]:
        (spans,) = self.detect_many([text])
        return spans

    def detect_many(self, texts: Sequence[str]) -> list[list[Span]]:
        known = {text: self._seen.get(text) for text in dict.fromkeys(texts)}
        missing = [text for text, spans in known.items() if spans is None]
        if missing:
            for text, spans in zip(missing, detect_many(self._detector, missing), strict=True):
                found = known[text] = tuple(spans)
                self._seen.put(text, found)
        return [list(known[text] or ()) for text in texts]
