"""One document ingest run over a walked source; ``pipeline.ingest_documents`` sets it up.

A class only to keep the run's shared state (catalog view, seen ids, outcomes) out of long
argument lists; each method handles one step of one document.

Files are written by untrusted people, so identity is owned (``identity.py``): a file may
replace, fail or delete only a document whose recorded source is that file, and a run pinned
to a tenant touches only that tenant's documents. A file whose id another file owns fails,
named in the report, and the other document is left as it was. Every per-file limit
(``ingestion.limits``) fails that file alone. The run writes the index it is
given but only stages its catalog records (``staged``): the pipeline saves them once that index
is published, so the catalog is never ahead of what is served.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from guards.verdict import InjectionDetector
from hqg.errors import HqgError, IngestError, Unavailable
from ingestion.documents.catalog import DocStatus, DocumentCatalog, DocumentRecord
from ingestion.documents.chunking import ChunkingSettings
from ingestion.documents.governance import Defaults, resolve_governance
from ingestion.documents.identity import failed_id, is_tenant, namespaced
from ingestion.documents.model import DocumentChunk, DocumentMeta
from ingestion.documents.parsers import (
    ParsedDocument,
    check_extracted,
    parser_for,
    read_limited,
)
from ingestion.documents.prepare import PreparedDocument, prepare_document
from ingestion.documents.report import Action, DocOutcome, DocRunReport
from ingestion.documents.sources import SourceEntry, fingerprint, walk
from ingestion.documents.tenancy import RunTenancy, Tenancy
from ingestion.embedding import Embedder
from ingestion.limits import IngestLimits
from ingestion.vectors.base import IndexedPoint, VectorIndex
from privacy.detection import PiiDetector, detector_version, pinned

_LIVE = (DocStatus.INDEXED, DocStatus.QUARANTINED)


@dataclass(frozen=True)
class RunOptions:
    """Everything a run needs to know that is not a collaborator."""

    run_id: str
    collection: str
    source: Path
    base: Path  # doc ids and shown sources are relative to this
    root: Path | None  # the collection root (tenant directories of a ``path`` collection)
    is_root: bool  # a directory ingest of the collection root: deletions apply
    tenancy: RunTenancy
    defaults: Defaults
    chunking: ChunkingSettings
    injection_threshold: float
    quarantine_injections: bool
    batch_size: int
    limits: IngestLimits
    #: re-scan every document for PII even when its fingerprint is unchanged
    rescan_pii: bool = False

    def settings(self, embedder: Embedder, pii_detector: str) -> dict[str, object]:
        """What besides its bytes shapes a document's chunks and payload (see ``fingerprint``).

        The PII detector's version is part of it: when the models or the known entities change,
        every document's fingerprint changes, so its chunks are re-scanned (and re-indexed).
        """
        return {
            "defaults": self.defaults.model_dump(mode="json"),
            # a pinned tenant shapes the payload only when it is the documents' tenant
            "tenancy": [self.tenancy.mode, self.tenancy.tenant]
            if self.tenancy.mode is Tenancy.OPERATOR
            else [self.tenancy.mode],
            "chunking": self.chunking.model_dump(),
            "embedder": [embedder.name, embedder.dim],
            "injection": [self.injection_threshold, self.quarantine_injections],
            "pii_detector": pii_detector,
        }


@dataclass(frozen=True)
class _Pending:
    """A document waiting for its chunks to be embedded with others."""

    position: int
    entry: SourceEntry
    parsed: ParsedDocument
    prepared: PreparedDocument
    previous: DocumentRecord | None


class DocumentRun:
    def __init__(
        self,
        options: RunOptions,
        *,
        catalog: DocumentCatalog,
        detector: PiiDetector,
        injection: InjectionDetector,
        embedder: Embedder,
        progress: Callable[[str, int, int | None], None],
    ) -> None:
        # one vocabulary snapshot for the run: its version found every span this run stores
        self.o, self.detector, self.injection = options, pinned(detector), injection
        self.embedder, self.progress = embedder, progress
        self.pii_detector = detector_version(self.detector)
        self.settings = options.settings(embedder, self.pii_detector)
        self.started = datetime.now(UTC)
        known = catalog.documents(options.collection)
        self.by_id = {record.doc_id: record for record in known}
        self.by_path = {r.source_path: r for r in known if r.status != DocStatus.DELETED}
        # the records to save after publishing, by doc id (the lookups above already see them)
        self.staged: dict[str, DocumentRecord] = {}
        self.seen: set[str] = set()
        self.outcomes: list[DocOutcome | None] = []
        self.pending: list[_Pending] = []
        self.embedded = 0

    def execute(self, index: VectorIndex) -> DocRunReport:
        """Write the run's changes to ``index`` (the writer's, not yet published)."""
        self.index = index
        entries = list(walk(self.o.source, base=self.o.base))
        for done, entry in enumerate(entries, start=1):
            self.outcomes.append(self._one(entry))
            if sum(len(p.prepared.chunks) for p in self.pending) >= self.o.batch_size:
                self._index_pending()
            self.progress("documents", done, len(entries))
        self._index_pending()
        if self.o.is_root:
            self._delete_vanished()
        self.index.flush()
        return self.report()

    def report(self, *, aborted: str | None = None) -> DocRunReport:
        return DocRunReport(
            run_id=self.o.run_id,
            collection=self.o.collection,
            source_path=str(self.o.source),
            is_root=self.o.is_root,
            started_at=self.started,
            finished_at=datetime.now(UTC),
            outcomes=tuple(o for o in self.outcomes if o is not None),
            aborted=aborted,
        )

    def _one(self, entry: SourceEntry) -> DocOutcome | None:
        if entry.skip is not None:
            return DocOutcome(source=entry.relative, action=Action.SKIPPED, reasons=(entry.skip,))
        foreign = self._foreign(entry)
        if foreign is not None:
            return foreign
        try:
            data = read_limited(entry.path, self.o.limits)
        except IngestError as exc:
            return self._fail(entry, None, exc.message)
        doc_hash = fingerprint(data, relative=entry.relative, settings=self.settings)
        previous = self.by_path.get(str(entry.path))
        unchanged = previous is not None and previous.doc_hash == doc_hash
        if (
            unchanged
            and previous is not None
            and previous.status in _LIVE
            and not self.o.rescan_pii
        ):
            self.seen.add(previous.doc_id)
            return DocOutcome(
                source=entry.relative,
                action=Action.UNCHANGED,
                doc_id=previous.doc_id,
                version=previous.version,
                chunk_count=previous.chunk_count,
                injection_score=previous.injection_score,
            )
        try:
            parsed, meta = self._parse(entry, data, doc_hash)
            if meta.doc_id in self.seen:  # the id belongs to another file: leave its record be
                reason = "document id is used by another file in this run"
                return DocOutcome(source=entry.relative, action=Action.FAILED, reasons=(reason,))
            self._check_owner(entry, meta.doc_id)
            prepared = self._prepare(parsed, meta)
        except Unavailable:
            raise
        except IngestError as exc:
            return self._fail(entry, doc_hash, exc.message.removeprefix(f"{entry.relative}: "))
        except HqgError:
            raise
        except Exception as exc:  # a parser choking on hostile input fails that document only
            return self._fail(entry, doc_hash, f"could not be parsed ({type(exc).__name__})")
        return self._publish(entry, parsed, prepared)

    def _parse(
        self, entry: SourceEntry, data: bytes, doc_hash: str
    ) -> tuple[ParsedDocument, DocumentMeta]:
        parsed = parser_for(entry.path)(data, entry.relative, limits=self.o.limits)
        check_extracted(parsed, self.o.limits, source=entry.relative)
        front = parsed.front_matter
        governance = resolve_governance(
            front,
            self.o.defaults,
            source=entry.relative,
            tenancy=self.o.tenancy,
            path_tenant=self._path_tenant(entry),
        )
        doc_id = namespaced(front.id or entry.relative, tenant=governance.tenant)
        if not parsed.text.strip():
            raise IngestError(f"{entry.relative}: no text to index")
        previous = self.by_id.get(doc_id)
        now = datetime.now(UTC)
        meta = DocumentMeta(
            collection=self.o.collection,
            doc_id=doc_id,
            source=entry.relative,
            doc_hash=doc_hash,
            version=(previous.version if previous else 0) + 1,
            title=parsed.title or entry.path.stem,
            as_of=front.as_of or _mtime(entry.path),
            ingested_at=now,
            freshness_sla_seconds=governance.freshness_sla_seconds,
            tenant=governance.tenant,
            all_tenants=governance.all_tenants,
            classification=governance.classification,
            labels=governance.labels,
            metadata=dict(front.metadata),
            pii_detector=self.pii_detector,
        )
        return parsed, meta

    def _foreign(self, entry: SourceEntry) -> DocOutcome | None:
        """A file whose live document belongs to a tenant this run does not act for: left
        exactly as it is (not read, not withdrawn, not deleted), and reported."""
        previous = self.by_path.get(str(entry.path))
        if previous is None or previous.status in (DocStatus.DELETED, DocStatus.FAILED):
            return None
        if self.o.tenancy.owns(previous.tenant, all_tenants=previous.all_tenants):
            return None
        self.seen.add(previous.doc_id)
        reason = "the file's document belongs to another tenant than this run's; left unchanged"
        return DocOutcome(
            source=entry.relative, action=Action.FAILED, doc_id=previous.doc_id, reasons=(reason,)
        )

    def _check_owner(self, entry: SourceEntry, doc_id: str) -> None:
        """A file may only replace a document whose recorded source is that file."""
        owner = self.by_id.get(doc_id)
        if owner is None or owner.status == DocStatus.DELETED:
            return
        if owner.source_path != str(entry.path):
            raise IngestError(
                f"{entry.relative}: document id {doc_id} belongs to another file; "
                "neither document was replaced"
            )

    def _path_tenant(self, entry: SourceEntry) -> str | None:
        """The first directory of the file's path under the collection root, if a tenant name."""
        if self.o.root is None or self.o.base != self.o.root:
            return None
        first, _, rest = entry.relative.partition("/")
        return first if rest and is_tenant(first) else None

    def _prepare(self, parsed: ParsedDocument, meta: DocumentMeta) -> PreparedDocument:
        return prepare_document(
            parsed.text,
            meta,
            headings=parsed.has_headings,
            chunking=self.o.chunking,
            detector=self.detector,
            injection=self.injection,
        )

    def _publish(
        self, entry: SourceEntry, parsed: ParsedDocument, prepared: PreparedDocument
    ) -> DocOutcome | None:
        """Quarantine now, or queue for indexing (None): embedding is batched across
        documents, since each embedding call has a fixed cost (~0.1 s on this CPU)."""
        meta = prepared.meta
        previous = self.by_id.get(meta.doc_id)
        self.seen.add(meta.doc_id)
        renamed = self.by_path.get(str(entry.path))
        if renamed is not None and renamed.doc_id != meta.doc_id:
            self._retire([renamed], "the file now declares another document id")
        quarantine = (
            self.o.quarantine_injections and prepared.injection_score >= self.o.injection_threshold
        )
        if not quarantine:
            self.pending.append(_Pending(len(self.outcomes), entry, parsed, prepared, previous))
            return None
        self._withdraw(meta.doc_id)
        reasons = (
            f"injection score {prepared.injection_score:.2f} >= threshold "
            f"{self.o.injection_threshold:.2f}",
            *prepared.injection_reasons,
        )
        meta = prepared.meta
        count = len(prepared.chunks)
        self._save(entry, meta, DocStatus.QUARANTINED, count, prepared.injection_score, reasons)
        return self._outcome(entry, parsed, prepared, Action.QUARANTINED, reasons)

    def _index_pending(self) -> None:
        """Embed every queued document's chunks in shared batches, then index each document."""
        if not self.pending:
            return
        queued, self.pending = self.pending, []
        points = self._embed([chunk for item in queued for chunk in item.prepared.chunks])
        self._withdraw(*(item.prepared.meta.doc_id for item in queued))
        offset = 0
        for item in queued:
            count = len(item.prepared.chunks)
            self.index.upsert(self.o.collection, points[offset : offset + count])
            offset += count
            updated = item.previous is not None and item.previous.status in _LIVE
            meta = item.prepared.meta
            score = item.prepared.injection_score
            self._save(item.entry, meta, DocStatus.INDEXED, count, score, ())
            action = Action.UPDATED if updated else Action.ADDED
            self.outcomes[item.position] = self._outcome(
                item.entry, item.parsed, item.prepared, action, ()
            )

    def _outcome(
        self,
        entry: SourceEntry,
        parsed: ParsedDocument,
        prepared: PreparedDocument,
        action: Action,
        reasons: tuple[str, ...],
    ) -> DocOutcome:
        return DocOutcome(
            source=entry.relative,
            action=action,
            doc_id=prepared.meta.doc_id,
            version=prepared.meta.version,
            chunk_count=len(prepared.chunks),
            injection_score=prepared.injection_score,
            reasons=reasons,
            warnings=parsed.warnings,
        )

    def _embed(self, chunks: Sequence[DocumentChunk]) -> list[IndexedPoint]:
        points: list[IndexedPoint] = []
        size = self.o.batch_size
        for start in range(0, len(chunks), size):
            batch = chunks[start : start + size]
            # the masked view's vectors too; a chunk with nothing masked reuses its raw vector
            masked = [chunk for chunk in batch if chunk.text_masked != chunk.text]
            texts = [chunk.text for chunk in batch] + [chunk.text_masked for chunk in masked]
            vectors = self.embedder.embed(texts)
            if len(vectors) != len(texts) or any(len(v) != self.embedder.dim for v in vectors):
                raise Unavailable(f"embedder {self.embedder.name} returned malformed vectors")
            masked_vectors = dict(zip((c.id for c in masked), vectors[len(batch) :], strict=True))
            points.extend(
                chunk.to_point(v, masked_dense=masked_vectors.get(chunk.id, v))
                for chunk, v in zip(batch, vectors[: len(batch)], strict=True)
            )
            self.embedded += len(batch)
            self.progress("embed", self.embedded, None)
        return points

    def _withdraw(self, *doc_ids: str) -> None:
        """Delete these documents' points, whatever the catalog says: an aborted run on a
        server, or a crash between publishing and saving the catalog, leaves points the catalog
        does not know about, which this run replaces."""
        self.index.delete_documents(self.o.collection, list(doc_ids))

    def _save(
        self,
        entry: SourceEntry,
        meta: DocumentMeta,
        status: DocStatus,
        chunk_count: int,
        injection_score: float | None,
        reasons: tuple[str, ...],
    ) -> None:
        record = DocumentRecord(
            collection=self.o.collection,
            doc_id=meta.doc_id,
            source_path=str(entry.path),
            source=entry.relative,
            title=meta.title,
            doc_hash=meta.doc_hash,
            version=meta.version,
            chunk_count=chunk_count,
            status=status,
            reason="; ".join(reasons) or None,
            injection_score=injection_score,
            as_of=meta.as_of,
            ingested_at=meta.ingested_at,
            tenant=meta.tenant,
            classification=meta.classification,
            labels=meta.labels,
            freshness_sla=meta.freshness_sla_seconds,
            all_tenants=meta.all_tenants,
        )
        self.staged[record.doc_id] = record
        self.by_id[record.doc_id] = record
        self.by_path[record.source_path] = record

    def _fail(self, entry: SourceEntry, doc_hash: str | None, reason: str) -> DocOutcome:
        """Record the failure and withdraw what this file had indexed before."""
        reason = reason.removeprefix(f"{entry.relative}: ")
        outcome = DocOutcome(source=entry.relative, action=Action.FAILED, reasons=(reason,))
        previous = self.by_path.get(str(entry.path))
        doc_id = previous.doc_id if previous else failed_id(entry.relative)
        self.seen.add(doc_id)
        outcome = outcome.model_copy(update={"doc_id": doc_id})
        unchanged_failure = (
            previous is not None
            and previous.status == DocStatus.FAILED
            and (previous.doc_hash, previous.reason) == (doc_hash or "", reason)
        )
        if unchanged_failure:
            return outcome
        self._withdraw(doc_id)
        now = datetime.now(UTC)
        self.staged[doc_id] = DocumentRecord(
            collection=self.o.collection,
            doc_id=doc_id,
            source_path=str(entry.path),
            source=entry.relative,
            title=None,
            doc_hash=doc_hash or "",
            version=previous.version if previous else 0,
            chunk_count=0,
            status=DocStatus.FAILED,
            reason=reason,
            injection_score=None,
            as_of=None,
            ingested_at=now,
            tenant=None,
            classification=None,
            labels=(),
            freshness_sla=None,
        )
        return outcome

    def _delete_vanished(self) -> None:
        """Documents under the root whose files are gone: points deleted, status recorded."""
        gone = [
            record
            for record in self.by_id.values()
            if record.status != DocStatus.DELETED
            and record.doc_id not in self.seen
            and Path(record.source_path).is_relative_to(self.o.source)
            and (
                record.status == DocStatus.FAILED
                or self.o.tenancy.owns(record.tenant, all_tenants=record.all_tenants)
            )
        ]
        if gone:
            self._retire(gone, "source file no longer exists")

    def _retire(self, records: Sequence[DocumentRecord], reason: str) -> None:
        """Delete these documents' points and record them as deleted."""
        self._withdraw(*(record.doc_id for record in records))
        now = datetime.now(UTC)
        for record in records:
            deleted = record.model_copy(
                update={
                    "status": DocStatus.DELETED,
                    "chunk_count": 0,
                    "reason": reason,
                    "ingested_at": now,
                }
            )
            self.staged[record.doc_id] = deleted
            self.by_id[record.doc_id] = deleted
            self.by_path.pop(record.source_path, None)
            self.outcomes.append(
                DocOutcome(
                    source=record.source,
                    action=Action.DELETED,
                    doc_id=record.doc_id,
                    version=record.version,
                    reasons=(reason,),
                )
            )


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
