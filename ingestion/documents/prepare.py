"""One document version to chunks: split, find PII once, score injection risk per chunk.

PII spans are stored relative to each chunk's own text, with a placeholder-masked copy (as
``ingestion.pii_tagging`` does for free-text columns), so reading masks by splicing and never
runs NER. The title, the front-matter ``metadata`` (keys, and values of every type), the id and
the file name are scanned in the same batch (``ingestion.documents.field_scan``): they are served
beside the text and must be masked like it, or refused when they cannot be. Injection scores are
per chunk and for the front matter (title and metadata); the document's score is the maximum,
because one poisoned paragraph is enough.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from guards.hiding import score_hidden
from guards.verdict import InjectionDetector, InjectionVerdict
from ingestion.documents.chunking import ChunkingSettings, TextChunk, chunk_text
from ingestion.documents.faults import Stage, StageFailed, stage
from ingestion.documents.field_scan import FieldTexts, scanned_metadata, scoring_text
from ingestion.documents.model import DocumentChunk, DocumentMeta, chunk_id, content_hash
from privacy.detection import PiiDetector, detect_distinct
from privacy.masker import mask_text
from privacy.operators import MaskKind
from privacy.spans import Span, keyed_spans_to_json, spans_to_json
from privacy.vault import PseudonymVault


class PreparedDocument(BaseModel):
    """A document's chunks and its overall injection risk."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    meta: DocumentMeta
    chunks: tuple[DocumentChunk, ...]
    injection_score: float
    injection_reasons: tuple[str, ...]


def prepare_document(
    text: str,
    meta: DocumentMeta,
    *,
    headings: bool,
    chunking: ChunkingSettings,
    detector: PiiDetector,
    injection: InjectionDetector,
    hidden: str = "",
) -> PreparedDocument:
    """Chunk ``text`` and annotate every chunk; ``hidden`` (text a reader cannot see, never
    indexed) counts towards the document's injection score only. A stage that raises raises
    ``StageFailed`` naming it (``faults.py``): the run then decides whether the document or
    the backend is at fault."""
    draft = draft_document(text, meta, headings=headings, chunking=chunking, hidden=hidden)
    (prepared,) = prepare_drafts([draft], detector=detector, injection=injection)
    if isinstance(prepared, Exception):
        raise prepared
    return prepared


@dataclass(frozen=True)
class DocumentDraft:
    """A document chunked, waiting for PII detection (batched across documents)."""

    meta: DocumentMeta
    pieces: tuple[TextChunk, ...]
    fields: FieldTexts
    hidden: str

    @property
    def texts(self) -> list[str]:
        """What PII detection reads, in order: the title, the fields, then every chunk."""
        return [self.meta.title or "", *self.fields.texts, *(p.text for p in self.pieces)]


def draft_document(
    text: str, meta: DocumentMeta, *, headings: bool, chunking: ChunkingSettings, hidden: str = ""
) -> DocumentDraft:
    """The chunking stage of ``prepare_document`` (``StageFailed`` on failure)."""
    pieces = stage(Stage.CHUNKING, lambda: chunk_text(text, settings=chunking, headings=headings))
    return DocumentDraft(meta=meta, pieces=tuple(pieces), fields=FieldTexts.of(meta), hidden=hidden)


def prepare_drafts(
    drafts: Sequence[DocumentDraft], *, detector: PiiDetector, injection: InjectionDetector
) -> list[PreparedDocument | Exception]:
    """Each draft prepared, or what failed on it (a ``StageFailed``, or the ``IngestError``
    refusing a metadata field: ``field_scan``).

    The texts of every draft go to the detector in ONE batch: a model call has a fixed cost
    (padding, thread hand-off, Presidio's set-up) that a ticket's few short texts paid each on
    their own, and batching sorts windows of similar length together. A text repeated across
    the batch (metadata keys, statuses, the tenant's name) is detected once. The spans are the
    ones a per-document call finds (each text is detected on its own; batching only groups the
    calls). When the batch fails, each draft is detected alone, so one document that breaks
    a model fails alone (its ``StageFailed``; the run asks the probe whose fault it was).
    """
    texts = [draft.texts for draft in drafts]
    found: list[list[list[Span]] | StageFailed]
    try:
        flat = stage(Stage.PII, lambda: detect_distinct(detector, [t for ts in texts for t in ts]))
    except StageFailed:
        found = [_detected_alone(detector, own) for own in texts]
    else:
        ends = list(itertools.accumulate(len(own) for own in texts))
        found = [flat[end - len(own) : end] for own, end in zip(texts, ends, strict=True)]
    prepared: list[PreparedDocument | Exception] = []
    for draft, spans in zip(drafts, found, strict=True):
        if isinstance(spans, StageFailed):
            prepared.append(spans)
            continue
        try:
            prepared.append(_annotated(draft, spans, injection))
        except Exception as exc:  # this document's (a refused metadata key, a failed stage)
            prepared.append(exc)
    return prepared


def _detected_alone(detector: PiiDetector, texts: list[str]) -> list[list[Span]] | StageFailed:
    try:
        return stage(Stage.PII, lambda: detect_distinct(detector, texts))
    except StageFailed as failed:
        return failed


def _annotated(
    draft: DocumentDraft, spans: list[list[Span]], injection: InjectionDetector
) -> PreparedDocument:
    """The draft with its spans stored and its injection risk scored."""
    meta, fields, pieces = draft.meta, draft.fields, draft.pieces
    title_spans, field_spans, chunk_spans = (
        spans[0], spans[1 : 1 + len(fields.texts)], spans[1 + len(fields.texts) :]
    )  # fmt: skip
    metadata, metadata_spans = scanned_metadata(meta, fields, field_spans)
    front = scoring_text(meta)
    verdicts, front_verdict = stage(Stage.INJECTION, lambda: _scores(injection, pieces, front))
    hidden_verdict = stage(Stage.INJECTION, lambda: score_hidden(injection, draft.hidden))
    meta = meta.model_copy(
        update={
            "title_pii": spans_to_json(title_spans),
            "metadata": metadata,
            "metadata_pii": keyed_spans_to_json(metadata_spans),
        }
    )
    chunks = tuple(
        _chunk(meta, piece, piece_spans, verdict)
        for piece, piece_spans, verdict in zip(pieces, chunk_spans, verdicts, strict=True)
    )
    every = [front_verdict, hidden_verdict, *verdicts]
    worst = max(every, key=lambda verdict: verdict.score)
    reasons = sorted(
        {reason for verdict in every if verdict.score > 0 for reason in verdict.reasons}
    )
    return PreparedDocument(
        meta=meta, chunks=chunks, injection_score=worst.score, injection_reasons=tuple(reasons)
    )


def _chunk(
    meta: DocumentMeta, piece: TextChunk, spans: list[Span], verdict: InjectionVerdict
) -> DocumentChunk:
    masked = mask_text(piece.text, spans, policy=MaskKind.PLACEHOLDER, vault=PseudonymVault())
    return DocumentChunk(
        meta=meta,
        id=chunk_id(
            collection=meta.collection,
            doc_id=meta.doc_id,
            index=piece.index,
            doc_hash=meta.doc_hash,
        ),
        index=piece.index,
        text=piece.text,
        start=piece.start,
        end=piece.end,
        heading_path=piece.heading_path,
        content_hash=content_hash(piece.text),
        pii=spans_to_json(spans),
        pii_entities=tuple(sorted({span.entity_type for span in spans})),
        text_masked=masked.text,
        injection_score=verdict.score,
        injection_reasons=verdict.reasons,
    )


def _scores(
    injection: InjectionDetector, pieces: Sequence[TextChunk], front: str
) -> tuple[list[InjectionVerdict], InjectionVerdict]:
    """Each chunk's verdict, and the front matter's (title and metadata)."""
    verdicts = [injection.score(piece.text) for piece in pieces]
    return verdicts, injection.score(front) if front else InjectionVerdict(score=0.0)
