"""Telling a document that breaks a stage from a backend that is down.

Documents are written by untrusted people, so a stage (chunking, PII detection, injection
scoring, embedding) may fail *because of one document*: a text that crashes a model, a chunk the
embedder rejects. That document must fail alone and the rest of the run publish. But the same
exception also comes from a backend that went away, and quarantining every document one by one
then would withdraw the whole collection. So a failed stage is re-tried on a fixed, harmless
probe text: if the probe passes too, the document is at fault (quarantined, named in the report);
if the probe fails, the backend is, and the run aborts with ``Unavailable`` before anything is
published. Reasons name the stage and the exception type, never its message (which may quote
the document).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

from guards.verdict import InjectionDetector
from hqg.errors import Unavailable
from ingestion.embedding import Embedder
from privacy.detector import PiiDetector

T = TypeVar("T")

#: A short, clean, PII-free text every healthy backend handles.
PROBE_TEXT = "Parcels leave the warehouse on Mondays."


class Stage(StrEnum):
    """A per-document stage that can fail on one document's content."""

    CHUNKING = "chunking"
    PII = "PII detection"
    INJECTION = "injection scoring"
    EMBEDDING = "embedding"


class StageFailed(Exception):
    """A stage raised on one document; the run decides (``Probe``) whose fault it was."""

    def __init__(self, stage: Stage, cause: BaseException) -> None:
        super().__init__(f"{stage.value} failed ({type(cause).__name__})")
        self.stage = stage
        self.cause_type = type(cause).__name__

    @property
    def reason(self) -> str:
        """The quarantine reason: stage and exception type, nothing of the document."""
        return f"{self.stage.value} failed on this document ({self.cause_type})"


def stage(which: Stage, call: Callable[[], T]) -> T:
    """Run ``call``; any exception becomes ``StageFailed`` for ``which``."""
    try:
        return call()
    except Exception as exc:
        raise StageFailed(which, exc) from exc


class Probe:
    """Checks a backend on ``PROBE_TEXT`` after a stage failed on a document."""

    def __init__(
        self, *, detector: PiiDetector, injection: InjectionDetector, embedder: Embedder
    ) -> None:
        self._checks: dict[Stage, Callable[[], object]] = {
            Stage.CHUNKING: lambda: None,  # no backend: always the document's fault
            Stage.PII: lambda: detector.detect(PROBE_TEXT),
            Stage.INJECTION: lambda: injection.score(PROBE_TEXT),
            Stage.EMBEDDING: lambda: _embed_probe(embedder),
        }

    def blame_document(self, failed: StageFailed) -> None:
        """Return if the backend handles the probe (the document is at fault); raise
        ``Unavailable`` (abort the run) if it does not."""
        try:
            self._checks[failed.stage]()
        except Exception as exc:
            raise Unavailable(
                f"document ingest aborted: {failed.stage.value} fails on a clean probe text "
                f"too ({type(exc).__name__}): the backend is down, not one document"
            ) from exc


def _embed_probe(embedder: Embedder) -> None:
    vectors = embedder.embed([PROBE_TEXT])
    if len(vectors) != 1 or len(vectors[0]) != embedder.dim:
        raise ValueError("malformed probe vector")
