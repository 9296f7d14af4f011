"""The document catalog: collections, document versions and runs, in the workspace's SQLite file.

It lives in ``catalog.sqlite`` beside the table catalog (same WAL settings) and bumps the same
``meta.generation`` counter whenever a run changes a document, so a reader that watches the
generation learns about new documents and collections as it does about new table versions.
The index holds the chunks; the catalog says which version of which document is indexed,
quarantined, failed or deleted, and why.

Paths under the workspace home (the collection root, a document's source) are stored relative
to it, so a copied or moved workspace keeps its roots and its documents' ownership (a file owns
the document recorded with its path); paths elsewhere are stored absolute.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from hqg.errors import NotFound
from ingestion.contracts import Classification
from ingestion.documents.report import DocRunReport
from ingestion.documents.tenancy import Tenancy
from ingestion.sqlite import CatalogFile, bump_generation, connect

_SCHEMA = """
INSERT OR IGNORE INTO meta VALUES ('documents_schema', '2');
CREATE TABLE IF NOT EXISTS collections (
    name TEXT PRIMARY KEY,
    root TEXT,
    tenancy TEXT,
    default_classification TEXT NOT NULL,
    default_labels TEXT NOT NULL,
    default_freshness_sla INTEGER,
    embedder TEXT NOT NULL,
    dim INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    sources TEXT
);
CREATE TABLE IF NOT EXISTS documents (
    collection TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    source_path TEXT NOT NULL,
    source TEXT NOT NULL,
    title TEXT,
    doc_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    chunk_count INTEGER NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    injection_score REAL,
    as_of TEXT,
    ingested_at TEXT NOT NULL,
    tenant TEXT,
    classification TEXT,
    labels TEXT NOT NULL,
    freshness_sla INTEGER,
    all_tenants INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (collection, doc_id)
);
CREATE TABLE IF NOT EXISTS doc_runs (
    run_id TEXT PRIMARY KEY,
    collection TEXT NOT NULL,
    source_path TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    added INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    quarantined INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    report TEXT NOT NULL
);
"""


class DocStatus(StrEnum):
    INDEXED = "indexed"  # its chunks are in the index
    QUARANTINED = "quarantined"  # held back: injection score at or above the threshold
    FAILED = "failed"  # could not be parsed or checked; nothing of it is indexed
    DELETED = "deleted"  # gone from the collection root; its chunks were removed


class CollectionRecord(BaseModel):
    """A document collection: its defaults, embedder, and (once set) its ingest root."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    root: str | None
    tenancy: Tenancy | None  # set by the first run that publishes
    default_classification: Classification
    default_labels: tuple[str, ...]
    default_freshness_sla: int | None  # seconds
    embedder: str
    dim: int
    created_at: datetime
    # datasets whose rows the documents were written from (``support_tickets`` for tickets):
    # policy must grant or refuse both alike, and ``hqg policy check --home`` warns when not
    sources: tuple[str, ...] = ()


class DocumentRecord(BaseModel):
    """The catalog's view of one document: its latest version and status."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    collection: str
    doc_id: str
    source_path: str  # absolute path it was read from
    source: str  # path relative to the ingest root (what provenance shows)
    title: str | None
    doc_hash: str
    version: int
    chunk_count: int
    status: DocStatus
    reason: str | None
    injection_score: float | None
    as_of: datetime | None
    ingested_at: datetime
    tenant: str | None
    classification: Classification | None
    labels: tuple[str, ...]
    freshness_sla: int | None  # seconds
    all_tenants: bool = False  # published for every tenant by the operator


class DocumentCatalog(CatalogFile):
    """Read and write the document tables of one workspace catalog."""

    schema = _SCHEMA

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        _migrate(path)
        self._home = path.parent.resolve()

    def _stored(self, path: str | None) -> str | None:
        """``path`` as stored: relative to the home when under it."""
        if path is None or not Path(path).is_relative_to(self._home):
            return path
        return Path(path).relative_to(self._home).as_posix()

    def _loaded(self, path: str | None) -> str | None:
        """A stored path made absolute again (absolute ones are kept as they are)."""
        return None if path is None else str(self._home / path)

    def collection(self, name: str) -> CollectionRecord | None:
        with self._reading() as con:
            rows = con.execute("SELECT * FROM collections WHERE name = ?", (name,)).fetchall()
        return self._collection(rows[0]) if rows else None

    def collections(self) -> list[CollectionRecord]:
        with self._reading() as con:
            rows = con.execute("SELECT * FROM collections ORDER BY name").fetchall()
        return [self._collection(row) for row in rows]

    def save_collection(self, record: CollectionRecord) -> None:
        """Create or update a collection (defaults, root); bumps the generation."""
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            con.execute(
                "INSERT OR REPLACE INTO collections (name, root, tenancy, "
                "default_classification, default_labels, default_freshness_sla, embedder, dim, "
                "created_at, sources) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    record.name,
                    self._stored(record.root),
                    record.tenancy.value if record.tenancy else None,
                    record.default_classification.value,
                    json.dumps(list(record.default_labels)),
                    record.default_freshness_sla,
                    record.embedder,
                    record.dim,
                    record.created_at.isoformat(),
                    json.dumps(list(record.sources)),
                ),
            )
            bump_generation(con)
            con.execute("COMMIT")

    def link_sources(self, name: str, datasets: Sequence[str]) -> None:
        """Record the datasets collection ``name`` was written from (replacing the list)."""
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            found = con.execute(
                "UPDATE collections SET sources = ? WHERE name = ?",
                (json.dumps(sorted({d.lower() for d in datasets})), name),
            ).rowcount
            if not found:
                con.execute("ROLLBACK")
                raise NotFound(f"no collection {name!r}")
            bump_generation(con)
            con.execute("COMMIT")

    def documents(self, collection: str) -> list[DocumentRecord]:
        with self._reading() as con:
            rows = con.execute(
                "SELECT * FROM documents WHERE collection = ? ORDER BY doc_id", (collection,)
            ).fetchall()
        return [self._document(row) for row in rows]

    def document(self, collection: str, doc_id: str) -> DocumentRecord | None:
        return self.documents_by_key([(collection, doc_id)]).get((collection, doc_id))

    def documents_by_key(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], DocumentRecord]:
        """The records of ``(collection, doc_id)`` keys (an answer looks up each document it
        cites). A key the catalog does not hold is absent from the result."""
        found: dict[tuple[str, str], DocumentRecord] = {}
        with self._reading() as con:
            for key in dict.fromkeys(keys):
                rows = con.execute(
                    "SELECT * FROM documents WHERE collection = ? AND doc_id = ?", key
                ).fetchall()
                if rows:
                    found[key] = self._document(rows[0])
        return found

    def save_documents(self, records: Sequence[DocumentRecord]) -> None:
        """Record documents' new states in one transaction; bumps the generation once so
        readers refresh. A run saves its documents all at once, after its index is published:
        a reader never sees part of a run, and the catalog never claims what is not served."""
        if not records:
            return  # nothing changed: not even the generation moves
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            con.executemany(
                _INSERT_DOCUMENT,
                [_document_row(self._relocated(record)) for record in records],
            )
            bump_generation(con)
            con.execute("COMMIT")

    def _relocated(self, record: DocumentRecord) -> DocumentRecord:
        return record.model_copy(update={"source_path": self._stored(record.source_path)})

    def _collection(self, row: sqlite3.Row) -> CollectionRecord:
        record = _collection(row)
        return record.model_copy(update={"root": self._loaded(record.root)})

    def _document(self, row: sqlite3.Row) -> DocumentRecord:
        record = _document(row)
        return record.model_copy(update={"source_path": self._loaded(record.source_path)})

    def record_run(self, report: DocRunReport) -> None:
        counts = report.counts
        with self._connect() as con:
            con.execute(
                "INSERT INTO doc_runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    report.run_id,
                    report.collection,
                    report.source_path,
                    report.started_at.isoformat(),
                    report.finished_at.isoformat(),
                    *(counts[k] for k in _COUNTED),
                    report.model_dump_json(),
                ),
            )

    def runs(self, collection: str | None = None) -> list[DocRunReport]:
        with self._connect() as con:
            rows = con.execute(
                "SELECT report FROM doc_runs WHERE ? IS NULL OR collection = ? ORDER BY started_at",
                (collection, collection),
            ).fetchall()
        return [DocRunReport.model_validate_json(row["report"]) for row in rows]


_DOCUMENT_COLUMNS = (
    "collection, doc_id, source_path, source, title, doc_hash, version, chunk_count, status, "
    "reason, injection_score, as_of, ingested_at, tenant, classification, labels, "
    "freshness_sla, all_tenants"
)
_INSERT_DOCUMENT = (
    f"INSERT OR REPLACE INTO documents ({_DOCUMENT_COLUMNS}) "  # noqa: S608 (constants only)
    f"VALUES ({','.join('?' * len(_DOCUMENT_COLUMNS.split(',')))})"
)
#: Columns added since schema 1, with their definitions: added to an older catalog on open.
_ADDED_COLUMNS = {
    "collections": {"tenancy": "TEXT", "sources": "TEXT"},
    "documents": {"all_tenants": "INTEGER NOT NULL DEFAULT 0"},
}


def _migrate(path: Path) -> None:
    """Bring a schema-1 catalog up to date. A schema-1 collection's stored default tenant is
    not carried over: a tenant no longer sticks to a collection, and its tenancy is recorded
    again by its next run."""
    with connect(path) as con:
        for table, columns in _ADDED_COLUMNS.items():
            present = {row["name"] for row in con.execute(f"PRAGMA table_info({table})")}
            for name, definition in columns.items():
                if name not in present:
                    con.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")
        con.execute("UPDATE meta SET value = '2' WHERE key = 'documents_schema'")


_COUNTED = ("added", "updated", "unchanged", "deleted", "quarantined", "failed")


def _document_row(r: DocumentRecord) -> tuple[object, ...]:
    return (
        r.collection,
        r.doc_id,
        r.source_path,
        r.source,
        r.title,
        r.doc_hash,
        r.version,
        r.chunk_count,
        r.status.value,
        r.reason,
        r.injection_score,
        r.as_of.isoformat() if r.as_of else None,
        r.ingested_at.isoformat(),
        r.tenant,
        r.classification.value if r.classification else None,
        json.dumps(list(r.labels)),
        r.freshness_sla,
        int(r.all_tenants),
    )


def _collection(row: sqlite3.Row) -> CollectionRecord:
    return CollectionRecord(
        name=row["name"],
        root=row["root"],
        tenancy=Tenancy(row["tenancy"]) if row["tenancy"] else None,
        default_classification=Classification(row["default_classification"]),
        default_labels=tuple(json.loads(row["default_labels"])),
        default_freshness_sla=row["default_freshness_sla"],
        embedder=row["embedder"],
        dim=row["dim"],
        created_at=datetime.fromisoformat(row["created_at"]),
        sources=tuple(json.loads(row["sources"] or "[]")),
    )


def _document(row: sqlite3.Row) -> DocumentRecord:
    return DocumentRecord(
        collection=row["collection"],
        doc_id=row["doc_id"],
        source_path=row["source_path"],
        source=row["source"],
        title=row["title"],
        doc_hash=row["doc_hash"],
        version=row["version"],
        chunk_count=row["chunk_count"],
        status=DocStatus(row["status"]),
        reason=row["reason"],
        injection_score=row["injection_score"],
        as_of=datetime.fromisoformat(row["as_of"]) if row["as_of"] else None,
        ingested_at=datetime.fromisoformat(row["ingested_at"]),
        tenant=row["tenant"],
        classification=Classification(row["classification"]) if row["classification"] else None,
        labels=tuple(json.loads(row["labels"])),
        freshness_sla=row["freshness_sla"],
        all_tenants=bool(row["all_tenants"]),
    )
