"""A failing document fails alone: a stage that breaks on one document's content quarantines
that document, named with the stage, and the rest of the run publishes. Only a backend that
fails for every document (its probe fails too), or the index, aborts the run.

Real engines throughout (Presidio, the heuristic injection detector, the MiniLM model,
qdrant-edge behind the versioned store); each case wraps one of them so it raises on one
document's marker word, as a hostile input that crashes a model would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import ingestion.documents.prepare as prepare_module
from guards.heuristics import HeuristicInjectionDetector
from guards.verdict import InjectionVerdict
from hqg.errors import Unavailable
from hqg.predicates import Compare
from ingestion.documents.catalog import DocStatus, DocumentCatalog
from ingestion.documents.chunking import ChunkingSettings, TextChunk, chunk_text
from ingestion.documents.pipeline import ingest_documents
from ingestion.documents.report import Action, DocRunReport
from ingestion.embedding import Embedder
from ingestion.vectors.settings import EmbeddingSettings
from ingestion.vectors.versions import VersionedEdgeIndex, current_version
from ingestion.workspace import Workspace
from privacy.detector import PresidioDetector
from privacy.spans import Span
from tests.conftest import SessionModels

pytestmark = pytest.mark.slow  # make test-fast skips it: ingests with every backend failing in turn

MARKER = "zanzibarquux"
#: What a crashing library might put in its message: must never reach a reason.
LEAKY_MESSAGE = "failed on jane.doe@example.com near 'zanzibarquux'"
FILES = {
    "alpha.md": "# Alpha\n\nAlpha parcels leave on Mondays.\n",
    "bravo.md": f"# Bravo\n\nBravo refunds take a week. {MARKER} appears here.\n",
    "charlie.md": "# Charlie\n\nCharlie invoices are monthly.\n",
}
HEALTHY = {"acme/alpha.md", "acme/charlie.md"}


@pytest.fixture(scope="module")
def model(models: SessionModels) -> Embedder:
    return models.embedder(EmbeddingSettings())


class PoisonedDetector:
    """The real PII detector, raising on the marked document (or on everything)."""

    def __init__(self, real: PresidioDetector, *, always: bool = False) -> None:
        self.real, self.always = real, always

    def detect(self, text: str) -> list[Span]:
        return self.detect_many([text])[0]

    def detect_many(self, texts: Sequence[str]) -> list[list[Span]]:
        if self.always or any(MARKER in text for text in texts):
            raise RuntimeError(LEAKY_MESSAGE)
        return self.real.detect_many(texts)


class PoisonedInjection:
    """The real heuristic scorer, raising on the marked document (or on everything)."""

    def __init__(self, *, always: bool = False) -> None:
        self.real, self.always = HeuristicInjectionDetector(), always

    def score(self, text: str) -> InjectionVerdict:
        if self.always or MARKER in text:
            raise ValueError(LEAKY_MESSAGE)
        return self.real.score(text)


class PoisonedEmbedder:
    """The real model, rejecting any batch that holds the marked document's chunk (or every
    batch: the embedding backend went away)."""

    def __init__(self, real: Embedder, *, always: bool = False) -> None:
        self.real, self.always = real, always

    @property
    def name(self) -> str:
        return self.real.name

    @property
    def dim(self) -> int:
        return self.real.dim

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if self.always or any(MARKER in text for text in texts):
            raise RuntimeError(LEAKY_MESSAGE)
        return self.real.embed(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.real.embed_query(text)


@dataclass
class Setup:
    workspace: Workspace
    docs: Path
    store: VersionedEdgeIndex
    vectors: Path
    detector: Any
    injection: Any
    embedder: Any

    def ingest(self, **overrides: Any) -> DocRunReport:
        options: dict[str, Any] = {
            "detector": self.detector,
            "injection": self.injection,
            "embedder": self.embedder,
            **overrides,
        }
        return ingest_documents(
            self.workspace,
            self.docs,
            collection="handbook",
            writer=self.store.writer,
            tenant="acme",
            batch_size=8,
            **options,
        )

    def records(self) -> dict[str, DocStatus]:
        catalog = DocumentCatalog(self.workspace.catalog_path)
        return {r.doc_id: r.status for r in catalog.documents("handbook")}


@pytest.fixture
def setup(tmp_path: Path, detector: PresidioDetector, model: Embedder) -> Iterator[Setup]:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in FILES.items():
        (docs / name).write_text(text, encoding="utf-8")
    store = VersionedEdgeIndex(tmp_path / "vectors", hnsw_ef=64, exact_below=0)
    yield Setup(
        Workspace.create(tmp_path / "home"),
        docs,
        store,
        tmp_path / "vectors",
        detector,
        HeuristicInjectionDetector(),
        model,
    )
    store.close()


def _chunker_raising_on_marker(
    text: str, *, settings: ChunkingSettings, headings: bool
) -> list[TextChunk]:
    if MARKER in text:
        raise IndexError(LEAKY_MESSAGE)
    return chunk_text(text, settings=settings, headings=headings)


Poison = Callable[[Setup, pytest.MonkeyPatch], dict[str, Any]]
STAGES: dict[str, tuple[str, Poison]] = {
    "pii detector": (
        "PII detection failed on this document (RuntimeError)",
        lambda s, mp: {"detector": PoisonedDetector(s.detector)},
    ),
    "injection scorer": (
        "injection scoring failed on this document (ValueError)",
        lambda s, mp: {"injection": PoisonedInjection()},
    ),
    "embedder": (
        "embedding failed on this document (RuntimeError)",
        lambda s, mp: {"embedder": PoisonedEmbedder(s.embedder)},
    ),
    "chunker": (
        "chunking failed on this document (IndexError)",
        lambda s, mp: (mp.setattr(prepare_module, "chunk_text", _chunker_raising_on_marker), {})[1],
    ),
}


def _served(store: VersionedEdgeIndex) -> set[str]:
    """Doc ids the published version serves."""
    return {
        doc_id
        for doc_id in ("acme/alpha.md", "acme/bravo.md", "acme/charlie.md")
        if store.count("handbook", predicate=Compare("doc_id", "=", doc_id)) > 0
    }


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_a_stage_failing_on_one_document_quarantines_it_alone_and_the_run_publishes(
    stage: str, setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    reason, poison = STAGES[stage]
    report = setup.ingest(**poison(setup, monkeypatch))

    actions = {o.source: o.action for o in report.outcomes}
    assert actions == {
        "alpha.md": Action.ADDED,
        "bravo.md": Action.QUARANTINED,
        "charlie.md": Action.ADDED,
    }
    (bravo,) = [o for o in report.outcomes if o.source == "bravo.md"]
    assert bravo.reasons == (reason,)
    assert report.aborted is None
    assert _served(setup.store) == HEALTHY
    assert setup.records() == {
        "acme/alpha.md": DocStatus.INDEXED,
        "acme/bravo.md": DocStatus.QUARANTINED,
        "acme/charlie.md": DocStatus.INDEXED,
    }


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_a_quarantine_reason_never_quotes_the_failing_library(
    stage: str, setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, poison = STAGES[stage]
    report = setup.ingest(**poison(setup, monkeypatch))
    shown = report.model_dump_json()
    assert "jane.doe" not in shown
    assert MARKER not in shown


def test_a_quarantined_document_withdraws_its_previous_version(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    bravo = setup.docs / "bravo.md"
    bravo.write_text("# Bravo\n\nBravo refunds take a week.\n", encoding="utf-8")
    setup.ingest()
    assert _served(setup.store) == HEALTHY | {"acme/bravo.md"}

    bravo.write_text(FILES["bravo.md"], encoding="utf-8")
    report = setup.ingest(detector=PoisonedDetector(setup.detector))
    assert {o.source: o.action for o in report.outcomes}["bravo.md"] is Action.QUARANTINED
    assert _served(setup.store) == HEALTHY


BACKENDS: dict[str, Callable[[Setup], dict[str, Any]]] = {
    "pii detector": lambda s: {"detector": PoisonedDetector(s.detector, always=True)},
    "injection scorer": lambda s: {"injection": PoisonedInjection(always=True)},
    "embedder": lambda s: {"embedder": PoisonedEmbedder(s.embedder, always=True)},
}


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_a_backend_failing_for_every_document_aborts_with_nothing_published(
    backend: str, setup: Setup
) -> None:
    setup.ingest()
    published = current_version(setup.vectors, "handbook")
    for name in FILES:
        (setup.docs / name).write_text(FILES[name] + "\nRevised today.\n", encoding="utf-8")
    before = DocumentCatalog(setup.workspace.catalog_path).documents("handbook")

    with pytest.raises(Unavailable, match="aborted.*backend is down"):
        setup.ingest(**BACKENDS[backend](setup))

    assert current_version(setup.vectors, "handbook") == published
    assert DocumentCatalog(setup.workspace.catalog_path).documents("handbook") == before
    (_, aborted) = DocumentCatalog(setup.workspace.catalog_path).runs("handbook")
    assert aborted.aborted is not None
    assert "backend is down" in aborted.aborted


def test_an_index_failure_aborts_the_run_naming_the_index(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingestion.vectors.edge import EdgeVectorIndex

    def broken(self: object, collection: str, points: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(EdgeVectorIndex, "upsert", broken)
    with pytest.raises(Unavailable, match="aborted: the vector index failed"):
        setup.ingest()
    assert DocumentCatalog(setup.workspace.catalog_path).documents("handbook") == []
