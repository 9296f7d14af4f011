"""An aborted ingest leaves the catalog behind the published index, never ahead of it.

The catalog saying a document is indexed with its hash is what makes the next run skip it, so
a record saved for points that were never published would hide the document for good.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from hqg.errors import Unavailable
from hqg.predicates import All, Compare
from ingestion.catalog import Catalog
from ingestion.documents.catalog import DocumentCatalog, DocumentRecord
from ingestion.documents.report import Action
from ingestion.vectors.versions import VersionedEdgeIndex, current_version
from ingestion.workspace import Workspace
from tests.ingestion.documents.conftest import HashingEmbedder, Ingest, MemoryIndex

Put = Callable[[str, "str | bytes"], Path]

FILES = {
    "a.md": "# Alpha\n\nAlpha parcels leave on Mondays.\n",
    "b.md": "# Bravo\n\nBravo refunds take a week.\n",
    "c.md": "# Charlie\n\nCharlie invoices are monthly.\n",
    "d.md": "# Delta\n\nDelta support answers by e-mail.\n",
}
IDS = {f"acme/{name}" for name in FILES}  # ids are namespaced by the ingest's tenant


class FailingEmbedder(HashingEmbedder):
    """The test embedder (same name and dimension) that goes away at its ``fail_on``-th call
    and stays away (a one-off failure is retried, and then quarantines the one document)."""

    def __init__(self, fail_on: int) -> None:
        super().__init__()
        self.fail_on = fail_on

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if len(self.calls) + 1 >= self.fail_on:
            self.calls.append(0)
            raise RuntimeError("embedding backend went away")
        return super().embed(texts)


def _catalog(workspace: Workspace) -> DocumentCatalog:
    return DocumentCatalog(workspace.catalog_path)


def _doc_ids(index: MemoryIndex) -> set[str]:
    return {str(p.payload["doc_id"]) for p in index.points("handbook")}


def test_a_first_run_that_aborts_leaves_no_collection_behind(
    put: Put, ingest: Ingest, workspace: Workspace
) -> None:
    """Search lists the catalog's collections: one never published would make it fail."""
    for name, text in FILES.items():
        put(name, text)
    with pytest.raises(Unavailable, match="aborted"):
        ingest(embedder=FailingEmbedder(fail_on=1), batch_size=1)
    assert _catalog(workspace).collections() == []
    ingest(batch_size=1)
    assert [c.name for c in _catalog(workspace).collections()] == ["handbook"]


def test_a_first_run_that_changes_nothing_creates_no_collection(
    ingest: Ingest, workspace: Workspace, docs: Path
) -> None:
    docs.mkdir(parents=True, exist_ok=True)
    report = ingest()
    assert not report.changed
    assert _catalog(workspace).collections() == []


def test_a_run_failing_midway_saves_no_document_and_the_next_run_indexes_them_all(
    put: Put, ingest: Ingest, index: MemoryIndex, workspace: Workspace
) -> None:
    for name, text in FILES.items():
        put(name, text)
    with pytest.raises(Unavailable, match="aborted"):
        ingest(embedder=FailingEmbedder(fail_on=2), batch_size=1)
    catalog = _catalog(workspace)
    assert catalog.documents("handbook") == []
    (aborted,) = catalog.runs("handbook")
    assert aborted.aborted is not None
    # writes to a server are immediate: a.md's points from the aborted run are there
    assert _doc_ids(index) == {"acme/a.md"}

    put("a.md", "# Alpha\n\nAlpha parcels now leave on Tuesdays.\n")
    report = ingest(batch_size=1)

    assert {o.source: o.action for o in report.outcomes} == dict.fromkeys(FILES, Action.ADDED)
    records = {r.doc_id: r for r in catalog.documents("handbook")}
    assert set(records) == IDS
    assert _doc_ids(index) == IDS
    # the aborted run's version of a.md was replaced, not left beside the new one
    alpha = [p for p in index.points("handbook") if p.payload["doc_id"] == "acme/a.md"]
    assert {p.payload["doc_hash"] for p in alpha} == {records["acme/a.md"].doc_hash}
    assert len(alpha) == records["acme/a.md"].chunk_count


@pytest.fixture
def versioned(tmp_path: Path) -> Iterator[VersionedEdgeIndex]:
    store = VersionedEdgeIndex(tmp_path / "vectors", hnsw_ef=64, exact_below=0)
    yield store
    store.close()


def _served(store: VersionedEdgeIndex, doc_id: str, doc_hash: str) -> int:
    """How many points the published version holds for this document version."""
    both = All((Compare("doc_id", "=", doc_id), Compare("doc_hash", "=", doc_hash)))
    return store.count("handbook", predicate=both)


def _agree(store: VersionedEdgeIndex, records: list[DocumentRecord]) -> None:
    """Every catalog record is served at its hash, and nothing else is served."""
    for record in records:
        assert _served(store, record.doc_id, record.doc_hash) == record.chunk_count
    assert store.count("handbook", predicate=None) == sum(r.chunk_count for r in records)


@pytest.mark.slow
def test_with_the_versioned_store_a_failed_run_leaves_index_and_catalog_agreeing(
    put: Put, ingest: Ingest, versioned: VersionedEdgeIndex, workspace: Workspace, tmp_path: Path
) -> None:
    put("a.md", FILES["a.md"])
    put("b.md", FILES["b.md"])
    ingest(writer=versioned.writer)
    catalog = _catalog(workspace)
    before = catalog.documents("handbook")
    published = current_version(tmp_path / "vectors", "handbook")
    _agree(versioned, before)

    put("a.md", "# Alpha\n\nAlpha parcels now leave on Tuesdays.\n")
    put("c.md", FILES["c.md"])
    put("d.md", FILES["d.md"])
    with pytest.raises(Unavailable):
        ingest(writer=versioned.writer, embedder=FailingEmbedder(fail_on=2), batch_size=1)

    assert current_version(tmp_path / "vectors", "handbook") == published
    assert catalog.documents("handbook") == before
    _agree(versioned, before)

    report = ingest(writer=versioned.writer, batch_size=1)
    actions = {o.source: o.action for o in report.outcomes}
    assert actions == {
        "a.md": Action.UPDATED,
        "b.md": Action.UNCHANGED,
        "c.md": Action.ADDED,
        "d.md": Action.ADDED,
    }
    after = catalog.documents("handbook")
    assert {r.doc_id for r in after} == IDS
    _agree(versioned, after)


def test_a_run_saves_its_documents_once_after_publishing(
    put: Put,
    ingest: Ingest,
    index: MemoryIndex,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events: list[object] = []
    catalog = _catalog(workspace)

    @contextmanager
    def writer(collection: str) -> Iterator[MemoryIndex]:
        events.append("open")
        yield index
        events.append(("published", len(catalog.documents(collection))))

    save = DocumentCatalog.save_documents

    def spy(self: DocumentCatalog, records: Sequence[DocumentRecord]) -> None:
        events.append(("save", sorted(r.doc_id for r in records)))
        save(self, records)

    monkeypatch.setattr(DocumentCatalog, "save_documents", spy)
    for name in ("a.md", "b.md", "c.md"):
        put(name, FILES[name])

    ingest(writer=writer, batch_size=1)
    assert events == ["open", ("published", 0), ("save", ["acme/a.md", "acme/b.md", "acme/c.md"])]

    events.clear()
    put("a.md", "# Alpha\n\nAlpha parcels now leave on Tuesdays.\n")
    put("b.md", "# Bravo\n\nBravo refunds take two weeks.\n")
    generation = Catalog(workspace.catalog_path).generation()
    ingest(writer=writer, batch_size=1)
    assert events == ["open", ("published", 3), ("save", ["acme/a.md", "acme/b.md"])]
    assert Catalog(workspace.catalog_path).generation() == generation + 1

    events.clear()
    put("c.md", "# Charlie\n\nCharlie invoices are weekly.\n")
    with pytest.raises(Unavailable):
        ingest(writer=writer, embedder=FailingEmbedder(fail_on=1))
    assert events == ["open"]  # neither published nor saved
