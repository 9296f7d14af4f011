"""PII detection batched across documents, and embedding overlapped with it, change nothing a
run stores: the same spans, masked texts and vectors as one document at a time.

Real engines: spaCy + Rampart behind the composite detector, the MiniLM embedder (its
batches run on the run's background thread), the heuristic injection detector.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pytest

from guards.heuristics import HeuristicInjectionDetector
from ingestion.documents.chunking import ChunkingSettings
from ingestion.documents.model import DocumentMeta
from ingestion.documents.pipeline import ingest_documents
from ingestion.documents.prepare import (
    PreparedDocument,
    draft_document,
    prepare_document,
    prepare_drafts,
)
from ingestion.documents.report import Action, DocRunReport
from ingestion.embedding import Embedder
from ingestion.vectors.settings import EmbeddingSettings
from ingestion.workspace import Workspace
from privacy.composite import CompositeDetector
from privacy.detection import PiiDetector
from privacy.detector import build_detector
from privacy.settings import PrivacySettings
from privacy.spans import Span, keyed_spans_from_json, spans_from_json
from tests.conftest import SessionModels
from tests.ingestion.documents.conftest import MemoryIndex
from tests.security.normalize_support import meta

INJECTION = HeuristicInjectionDetector()
CHUNKING = ChunkingSettings(chunk_size=160, chunk_overlap=20)
TICKETS = {
    "t1.md": "# Late parcel\n\n**From:** Tyler West <tyler.west@example.org>\n\nOrder 48213 "
    "arrived with a cracked lid. Makayla Ward from your Denver office promised a "
    "replacement. Please call me on (303) 555-0148 before Friday.\n",
    "t2.md": "# refund\n\nhello, my order never arrived and the tracking page has said "
    "'label created' for nine days. can you check it? thanks\n",
    "t3.md": "---\ntitle: Address change for Maria Gonzalez\nmetadata:\n  phone: 2175550193\n"
    "---\nPlease ship the replacement to Maria Gonzalez, 1420 Elm Street, Apt 5B, "
    "Springfield, IL 62704 instead of 88 Harbor Road.\n",
    "t4.md": "# Ergo Kettle\n\nThe Ergo Kettle lid is loose. Jürgen Müller from München "
    "says the card 4111 1111 1111 1111 was charged twice.\n" * 3,
}


@pytest.fixture(scope="module")
def composite(models: SessionModels, privacy_settings: PrivacySettings) -> CompositeDetector:
    return build_detector(privacy_settings, models=models.ner(privacy_settings))


@pytest.fixture(scope="module")
def model(models: SessionModels) -> Embedder:
    return models.embedder(EmbeddingSettings())


def _documents() -> list[tuple[str, DocumentMeta]]:
    return [
        (
            text,
            meta(
                title=text.split("\n", 1)[0],
                metadata={"phone": 2175550193},
                doc_id=f"acme/{name}",
                source=name,
            ),
        )
        for name, text in TICKETS.items()
    ]


def _positions(spans_json: str) -> list[tuple[str, int, int]]:
    """Spans without their scores (see ``_points``)."""
    return [(s.entity_type, s.start, s.end) for s in spans_from_json(spans_json)]


def _stored(prepared: PreparedDocument) -> tuple[object, ...]:
    meta = prepared.meta
    return (
        _positions(meta.title_pii),
        meta.metadata,
        {
            key: [(s.entity_type, s.start, s.end) for s in spans]
            for key, spans in keyed_spans_from_json(meta.metadata_pii).items()
        },
        prepared.injection_score,
        [
            (c.id, c.text, _positions(c.pii), c.text_masked, c.injection_score)
            for c in prepared.chunks
        ],
    )


def test_documents_detected_in_one_batch_store_what_each_stores_alone(
    composite: CompositeDetector,
) -> None:
    documents = _documents()
    drafts = [
        draft_document(text, meta, headings=True, chunking=CHUNKING) for text, meta in documents
    ]
    batched = prepare_drafts(drafts, detector=composite, injection=INJECTION)
    alone = [
        prepare_document(
            text,
            meta,
            headings=True,
            chunking=CHUNKING,
            detector=composite,
            injection=INJECTION,
        )
        for text, meta in documents
    ]
    assert all(isinstance(p, PreparedDocument) for p in batched)
    assert [_stored(p) for p in batched] == [_stored(p) for p in alone]  # type: ignore[arg-type]
    masked = " ".join(c.text_masked for p in alone for c in p.chunks)
    for value in ("Tyler West", "Makayla Ward", "555-0148", "Maria Gonzalez", "4111 1111"):
        assert value not in masked  # the sample holds PII that was found


def test_a_metadata_key_refused_in_a_batch_fails_that_document_alone(
    composite: CompositeDetector,
) -> None:
    documents = _documents()
    bad_text, bad_meta = documents[1]
    documents[1] = (bad_text, bad_meta.model_copy(update={"metadata": {"Makayla Ward": "vip"}}))
    drafts = [
        draft_document(text, meta, headings=True, chunking=CHUNKING) for text, meta in documents
    ]
    results = prepare_drafts(drafts, detector=composite, injection=INJECTION)
    assert [isinstance(r, PreparedDocument) for r in results] == [True, False, True, True]
    assert "PERSON" in str(results[1])
    assert "Makayla" not in str(results[1])


def _write(directory: Path) -> Path:
    directory.mkdir()
    for i in range(3):  # enough documents for several batches
        for name, text in TICKETS.items():
            (directory / f"{i}-{name}").write_text(text, encoding="utf-8")
    return directory


def _ingest(
    workspace: Workspace,
    index: MemoryIndex,
    source: Path,
    *,
    collection: str,
    detector: PiiDetector,
    embedder: Embedder,
    size: int,
) -> DocRunReport:
    """One document run of ``source`` for acme, as these tests run them."""
    return ingest_documents(
        workspace,
        source,
        collection=collection,
        tenant="acme",
        detector=detector,
        injection=INJECTION,
        embedder=embedder,
        writer=index.writer,
        batch_size=size,
        chunking=CHUNKING,
    )


def _points(index: MemoryIndex, collection: str) -> list[tuple[object, ...]]:
    """What a run stored per chunk: text, span positions and masked text exactly (a span's
    score may differ in its last digits: padding beside other texts changes the float sums)."""
    return [
        (
            p.payload["doc_id"],
            p.payload["chunk_index"],
            p.text,
            _positions(str(p.payload["pii"])),
            p.payload["text_masked"],
        )
        for p in index.points(collection)
    ]


def _vectors(index: MemoryIndex, collection: str) -> list[tuple[float, ...]]:
    return [
        v for p in index.points(collection) for v in (p.dense, p.masked.dense if p.masked else ())
    ]


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.sqrt(
        sum(x * x for x in a) * sum(y * y for y in b)
    )


def test_a_run_in_small_batches_stores_what_a_run_in_one_batch_stores(
    workspace: Workspace,
    index: MemoryIndex,
    composite: CompositeDetector,
    model: Embedder,
    tmp_path: Path,
) -> None:
    source = _write(tmp_path / "tickets")
    runs = {
        size: _ingest(
            workspace,
            index,
            source,
            collection=f"tickets_{size}",
            detector=composite,
            embedder=model,
            size=size,
        )
        for size in (1, 3, 64)
    }
    outcomes = {
        size: [(o.source, o.action, o.chunk_count) for o in report.outcomes]
        for size, report in runs.items()
    }
    assert outcomes[1] == outcomes[3] == outcomes[64]
    assert len(outcomes[1]) == 3 * len(TICKETS)
    stored = [_points(index, f"tickets_{size}") for size in (1, 3, 64)]
    assert stored[0] == stored[1] == stored[2]
    assert len(stored[0]) > len(outcomes[1])  # documents of several chunks
    vectors = [_vectors(index, f"tickets_{size}") for size in (1, 3, 64)]
    for one, three, all_ in zip(*vectors, strict=True):
        assert min(_cosine(one, three), _cosine(one, all_)) > 0.9999


class _Counting:
    """The real composite detector, recording every text it is asked to read."""

    def __init__(self, detector: CompositeDetector) -> None:
        self.detector, self.texts = detector, list[str]()

    def detect(self, text: str) -> list[Span]:
        return self.detect_many([text])[0]

    def detect_many(self, texts: Sequence[str]) -> list[list[Span]]:
        self.texts.extend(texts)
        return self.detector.detect_many(texts)


def test_a_batch_reads_each_repeated_text_once_and_stores_what_each_document_stores_alone(
    composite: CompositeDetector,
) -> None:
    """Every ticket repeats its metadata keys, its id's tenant segment and often a title or a
    status: the batch detects each distinct text once, and every document still stores the
    spans it stores when detected alone (the copies included)."""
    documents = _documents() + [
        (text, doc.model_copy(update={"doc_id": doc.doc_id + "-copy"}))
        for text, doc in _documents()
    ]
    drafts = [
        draft_document(text, meta, headings=True, chunking=CHUNKING) for text, meta in documents
    ]
    counting = _Counting(composite)
    batched = prepare_drafts(drafts, detector=counting, injection=INJECTION)
    every = [text for draft in drafts for text in draft.texts]
    assert len(counting.texts) == len(set(every)) < len(every) // 2
    alone = [
        prepare_drafts([draft], detector=composite, injection=INJECTION)[0] for draft in drafts
    ]
    assert all(isinstance(p, PreparedDocument) for p in batched)
    assert [_stored(p) for p in batched] == [_stored(p) for p in alone]  # type: ignore[arg-type]
    spans = [keyed_spans_from_json(p.meta.metadata_pii) for p in batched]  # type: ignore[union-attr]
    assert all(found["phone"] for found in spans)  # the repeated value's span, in every copy


def test_a_document_alone_stores_the_batch_runtimes_vector_as_it_does_in_a_batch(
    workspace: Workspace,
    index: MemoryIndex,
    composite: CompositeDetector,
    model: Embedder,
    models: SessionModels,
    tmp_path: Path,
) -> None:
    """A one-chunk document with nothing masked is a single text in its embedding call, as a
    query is; it still goes through the batch runtime, so a run stores the same vector for it
    alone or among others (a split routed by text count gave it the query runtime's)."""
    solo = tmp_path / "solo"
    solo.mkdir()
    (solo / "solo.md").write_text("# Shipping\n\nParcels leave the warehouse on Mondays.\n")
    crowd = _write(tmp_path / "crowd")
    (crowd / "solo.md").write_text((solo / "solo.md").read_text())
    for name, source, size in (("alone", solo, 1), ("crowd", crowd, 64)):
        _ingest(
            workspace,
            index,
            source,
            collection=f"solo_{name}",
            detector=composite,
            embedder=model,
            size=size,
        )
    (alone,) = index.points("solo_alone")
    (among,) = [p for p in index.points("solo_crowd") if p.payload["doc_id"] == "acme/solo.md"]
    batch_runtime = models.embedder(EmbeddingSettings(runtime="torch"))
    query_runtime = models.embedder(EmbeddingSettings(runtime="onnx-int8"))
    (stored,) = batch_runtime.embed([alone.text])
    (query,) = query_runtime.embed([alone.text])
    assert alone.masked is None or alone.masked.text == alone.text  # one text in its call
    assert max(abs(x - y) for x, y in zip(alone.dense, stored, strict=True)) < 1e-6
    assert max(abs(x - y) for x, y in zip(alone.dense, query, strict=True)) > 1e-4
    assert max(abs(x - y) for x, y in zip(alone.dense, among.dense, strict=True)) < 1e-5


def test_a_run_reads_each_distinct_text_once_across_its_batches(
    workspace: Workspace,
    index: MemoryIndex,
    composite: CompositeDetector,
    model: Embedder,
    tmp_path: Path,
) -> None:
    """File names, then documents in batches of one: a document id repeats its file name, and
    every ticket its metadata keys and its tenant's name. The model reads each text once per
    run, and the run stores what the per-batch detection stored (the test above)."""
    source = _write(tmp_path / "tickets")
    counting = _Counting(composite)
    report = _ingest(
        workspace, index, source, collection="tickets_once", detector=counting, embedder=model,
        size=1,
    )  # fmt: skip
    assert {o.action for o in report.outcomes} == {Action.ADDED}
    assert len(counting.texts) == len(set(counting.texts))
    assert "acme" in counting.texts  # the tenant segment of every id, read once
