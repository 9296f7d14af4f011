"""One document ingest run over a walked source; ``pipeline.ingest_documents`` sets it up.

The run reads files and writes the index; its bookkeeping (catalog view, seen ids, outcomes,
staged records) is the ``RunLedger`` (``ledger.py``). Each method handles one step of one
document.

Files are written by untrusted people, so identity is owned (``identity.py``): a file may
replace, fail or delete only a document whose recorded source is that file, and a run pinned
to a tenant touches only that tenant's documents. A file whose id another file owns fails,
named in the report, and the other document is left as it was. Every per-file limit
(``ingestion.limits``) fails that file alone. The run writes the index it is
given but only stages its catalog records (``staged``): the pipeline saves them once that index
is published, so the catalog is never ahead of what is served.

A stage that fails on one document (chunking, PII detection, injection scoring, embedding)
quarantines that document alone, once a probe (``faults.py``) shows the backend itself is
healthy; a backend that fails the probe, or the index failing, aborts the run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from guards.verdict import InjectionDetector
from hqg.errors import HqgError, IngestError, Unavailable
from ingestion.documents.catalog import DocStatus, DocumentRecord
from ingestion.documents.chunk_embedding import ChunkEmbedder, Embedded
from ingestion.documents.chunking import ChunkingSettings
from ingestion.documents.faults import Probe, Stage, StageFailed, stage
from ingestion.documents.governance import Defaults, resolve_governance
from ingestion.documents.identity import failed_id, is_tenant, namespaced
from ingestion.documents.identity_names import withhold_all, withhold_names
from ingestion.documents.ledger import RunLedger
from ingestion.documents.model import DocumentMeta
from ingestion.documents.parsers import (
    ParsedDocument,
    check_extracted,
    parser_for,
    read_limited,
)
from ingestion.documents.prepare import (
    DocumentDraft,
    PreparedDocument,
    draft_document,
    prepare_drafts,
)
from ingestion.documents.report import Action, DocOutcome, DocRunReport
from ingestion.documents.run_detector import RunDetector
from ingestion.documents.sources import SourceEntry, fingerprint, walk
from ingestion.documents.tenancy import RunTenancy, Tenancy
from ingestion.embedding import Embedder
from ingestion.limits import IngestLimits
from ingestion.vectors.base import IndexedPoint, VectorIndex
from privacy.detection import PiiDetector, detector_version

T = TypeVar("T")

_LIVE = (DocStatus.INDEXED, DocStatus.QUARANTINED)
_WITHHELD_NAME = (
    "the file name holds a person's name or an identifier (e-mail, phone, card, IBAN, SSN):"
    " id and source withheld"
)
_WITHHELD_ID = "the front-matter id holds a person's name (PERSON): id withheld"


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
class Stages:
    """The backends a run calls for each document, and where it reports progress."""

    detector: PiiDetector
    injection: InjectionDetector
    embedder: Embedder
    progress: Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class _Drafted:
    """A document chunked, waiting for PII detection with others (``prepare_drafts``)."""

    position: int
    entry: SourceEntry
    parsed: ParsedDocument
    draft: DocumentDraft
    doc_hash: str


@dataclass(frozen=True)
class _Pending:
    """A document waiting for its chunks to be embedded with others."""

    position: int
    entry: SourceEntry
    parsed: ParsedDocument
    prepared: PreparedDocument
    previous: DocumentRecord | None


@dataclass(frozen=True)
class _Embedding:
    """Documents whose chunks are being embedded in the background, and the result."""

    queued: list[_Pending]
    result: Future[list[Embedded]]


class DocumentRun:
    """Reads the walked files and writes one collection's index (the writer's, unpublished)."""

    def __init__(
        self, options: RunOptions, *, ledger: RunLedger, index: VectorIndex, stages: Stages
    ) -> None:
        self.options, self.ledger, self.index, self.stages = options, ledger, index, stages
        self.detector = RunDetector(stages.detector)  # each distinct text once per run
        self.pii_detector = detector_version(self.detector)
        self.settings = options.settings(stages.embedder, self.pii_detector)
        self.probe = Probe(
            detector=stages.detector, injection=stages.injection, embedder=stages.embedder
        )
        self.chunk_embedder = ChunkEmbedder(
            stages.embedder,
            batch_size=options.batch_size,
            probe=self.probe,
            progress=stages.progress,
        )
        self.drafted: list[_Drafted] = []
        self.pending: list[_Pending] = []
        self.embedding: _Embedding | None = None
        self.position = 0  # the walk position of the file being decided

    def execute(self) -> DocRunReport:
        """Decide every walked file, in three overlapping steps: documents are chunked one by
        one, their PII found in batches across documents (``prepare_drafts``), and their chunks
        embedded in batches by a background thread while the next batch is detected (torch and
        ONNX Runtime release the GIL, so both cores work), then indexed here, in walk order."""
        entries = self._withhold_names(list(walk(self.options.source, base=self.options.base)))
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hqg-embed") as background:
            for self.position, entry in enumerate(entries):
                outcome = self._one(entry)
                if outcome is not None:
                    self.ledger.decided(self.position, outcome)
                if sum(len(d.draft.pieces) for d in self.drafted) >= self.options.batch_size:
                    self._prepare_drafted()
                if sum(len(p.prepared.chunks) for p in self.pending) >= self.options.batch_size:
                    self._index_pending(background)
                self.stages.progress("documents", self.position + 1, len(entries))
            self._prepare_drafted()
            self._index_pending(background)
            self._index_pending(background)  # the last batch, embedding since the call above
        self.position = len(entries)
        if self.options.is_root:
            self._delete_vanished()
        self._on_index(self.index.flush)
        return self.ledger.report()

    def _withhold_names(self, entries: list[SourceEntry]) -> list[SourceEntry]:
        """Entries whose path holds a person's name or an identifier get a safe one
        (``identity_names``), all scanned in one batch; skipped files too, since their path is
        recorded as well. A file the detector fails on alone is skipped, its path withheld."""
        try:
            safe = withhold_names(
                [entry.relative for entry in entries],
                self.detector,
                keep_first=self._tenant_dirs,
            )
        except Exception as exc:
            self.probe.blame_document(StageFailed(Stage.PII, exc))
            return [self._withhold_name(entry) for entry in entries]
        return [self._renamed(entry, name) for entry, name in zip(entries, safe, strict=True)]

    def _renamed(self, entry: SourceEntry, name: str) -> SourceEntry:
        if name == entry.relative:
            return entry
        withheld = self.options.base / name
        return replace(entry, relative=name, shown=entry.relative, withheld_path=withheld)

    @property
    def _tenant_dirs(self) -> bool:
        """Whether the first directory of a path names its tenant (not a person's name)."""
        return self.options.tenancy.mode is Tenancy.PATH and self.options.base == self.options.root

    def _withhold_name(self, entry: SourceEntry) -> SourceEntry:
        try:
            (name,) = withhold_names([entry.relative], self.detector, keep_first=self._tenant_dirs)
        except Exception as exc:  # fail closed: nothing tells what the path holds
            reason = StageFailed(Stage.PII, exc).reason.replace("document", "file name")
            name = withhold_all(entry.relative, keep_first=self._tenant_dirs)
            return replace(self._renamed(entry, name), skip=entry.skip or reason)
        return self._renamed(entry, name)

    def _one(self, entry: SourceEntry) -> DocOutcome | None:
        """Decide one file; ``None`` when it is queued for embedding (``_index_pending``
        records its outcome)."""
        if entry.skip is not None:
            return DocOutcome(
                source=entry.relative,
                shown=entry.shown,
                action=Action.SKIPPED,
                reasons=(entry.skip,),
            )
        foreign = self._foreign(entry)
        if foreign is not None:
            return foreign
        try:
            data = read_limited(entry.path, self.options.limits)
        except IngestError as exc:
            return self._fail(entry, None, exc.message)
        doc_hash = fingerprint(data, relative=entry.relative, settings=self.settings)
        previous = self.ledger.by_path.get(entry.recorded_path)
        if self._unchanged(previous, doc_hash) and previous is not None:
            self.ledger.seen.add(previous.doc_id)
            return DocOutcome(
                source=entry.relative,
                shown=entry.shown,
                action=Action.UNCHANGED,
                doc_id=previous.doc_id,
                version=previous.version,
                chunk_count=previous.chunk_count,
                injection_score=previous.injection_score,
            )
        parsed_meta: tuple[ParsedDocument, DocumentMeta] | None = None
        try:
            parsed_meta = self._parse(entry, data, doc_hash)
            parsed, meta = parsed_meta
            if meta.doc_id in self.ledger.seen or any(
                d.draft.meta.doc_id == meta.doc_id for d in self.drafted
            ):  # another file's id: leave its record be
                reason = "document id is used by another file in this run"
                return DocOutcome(
                    source=entry.relative,
                    shown=entry.shown,
                    action=Action.FAILED,
                    reasons=(reason,),
                )
            self._check_owner(entry, meta.doc_id)
            draft = self._draft(parsed, meta)
        except Exception as exc:
            return self._failed(self.position, entry, doc_hash, parsed_meta, exc)
        self.drafted.append(_Drafted(self.position, entry, parsed, draft, doc_hash))
        return None

    def _failed(
        self,
        position: int,
        entry: SourceEntry,
        doc_hash: str,
        parsed_meta: tuple[ParsedDocument, DocumentMeta] | None,
        exc: Exception,
    ) -> DocOutcome:
        """What a document's failure means: a stage's (quarantined, once the probe shows the
        backend is fine) or the file's (failed); a backend failure re-raises."""
        try:
            raise exc
        except StageFailed as failed:
            self.probe.blame_document(failed)  # raises when the backend, not the file, fails
            if parsed_meta is None:  # before the document had an id
                return self._fail(entry, doc_hash, failed.reason)
            parsed, meta = parsed_meta
            self._claim(position, entry, meta)
            return self._quarantine(entry, meta, reasons=(failed.reason,), warnings=parsed.warnings)
        except Unavailable:
            raise
        except IngestError as error:
            return self._fail(entry, doc_hash, error.message)
        except HqgError:
            raise
        except Exception as error:  # a parser choking on hostile input fails that document only
            return self._fail(entry, doc_hash, f"could not be parsed ({type(error).__name__})")

    def _prepare_drafted(self) -> None:
        """Find PII in every drafted document in one batch, then publish or fail each."""
        if not self.drafted:
            return
        drafted, self.drafted = self.drafted, []
        results = prepare_drafts(
            [item.draft for item in drafted],
            detector=self.detector,
            injection=self.stages.injection,
        )
        for item, result in zip(drafted, results, strict=True):
            if isinstance(result, PreparedDocument):
                outcome = self._publish(item, result)
            else:
                parsed_meta = (item.parsed, item.draft.meta)
                outcome = self._failed(
                    item.position, item.entry, item.doc_hash, parsed_meta, result
                )
            if outcome is not None:
                self.ledger.decided(item.position, outcome)

    def _unchanged(self, previous: DocumentRecord | None, doc_hash: str) -> bool:
        return (
            previous is not None
            and previous.doc_hash == doc_hash
            and previous.status in _LIVE
            and not self.options.rescan_pii
        )

    def _parse(
        self, entry: SourceEntry, data: bytes, doc_hash: str
    ) -> tuple[ParsedDocument, DocumentMeta]:
        limits = self.options.limits
        parsed = parser_for(entry.path)(data, entry.relative, limits=limits)
        check_extracted(parsed, limits, source=entry.relative)
        front = parsed.front_matter
        governance = resolve_governance(
            front,
            self.options.defaults,
            source=entry.relative,
            tenancy=self.options.tenancy,
            path_tenant=self._path_tenant(entry),
        )
        local_id = entry.relative
        if front.id is not None:
            (local_id,) = stage(Stage.PII, lambda: withhold_names([str(front.id)], self.detector))
            if local_id != front.id:
                parsed = parsed.model_copy(update={"warnings": (*parsed.warnings, _WITHHELD_ID)})
        if entry.shown is not None:
            parsed = parsed.model_copy(update={"warnings": (*parsed.warnings, _WITHHELD_NAME)})
        doc_id = namespaced(local_id, tenant=governance.tenant)
        if not parsed.text.strip():
            raise IngestError(f"{entry.relative}: no text to index")
        previous = self.ledger.by_id.get(doc_id)
        meta = DocumentMeta(
            collection=self.options.collection,
            doc_id=doc_id,
            source=entry.relative,
            doc_hash=doc_hash,
            version=(previous.version if previous else 0) + 1,
            title=parsed.title or Path(entry.relative).stem,  # the safe name, if withheld
            as_of=front.as_of or _mtime(entry.path),
            ingested_at=datetime.now(UTC),
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
        previous = self.ledger.by_path.get(entry.recorded_path)
        if previous is None or previous.status in (DocStatus.DELETED, DocStatus.FAILED):
            return None
        if self.options.tenancy.owns(previous.tenant, all_tenants=previous.all_tenants):
            return None
        self.ledger.seen.add(previous.doc_id)
        reason = "the file's document belongs to another tenant than this run's; left unchanged"
        return DocOutcome(
            source=entry.relative,
            shown=entry.shown,
            action=Action.FAILED,
            doc_id=previous.doc_id,
            reasons=(reason,),
        )

    def _check_owner(self, entry: SourceEntry, doc_id: str) -> None:
        """A file may only replace a document whose recorded source is that file."""
        owner = self.ledger.by_id.get(doc_id)
        if owner is None or owner.status == DocStatus.DELETED:
            return
        if owner.source_path != entry.recorded_path:
            raise IngestError(
                f"{entry.relative}: document id {doc_id} belongs to another file; "
                "neither document was replaced"
            )

    def _path_tenant(self, entry: SourceEntry) -> str | None:
        """The first directory of the file's path under the collection root, if a tenant name."""
        if self.options.root is None or self.options.base != self.options.root:
            return None
        first, _, rest = entry.relative.partition("/")
        return first if rest and is_tenant(first) else None

    def _draft(self, parsed: ParsedDocument, meta: DocumentMeta) -> DocumentDraft:
        return draft_document(
            parsed.text,
            meta,
            headings=parsed.has_headings,
            chunking=self.options.chunking,
            hidden=parsed.hidden_text,
        )

    def _claim(self, position: int, entry: SourceEntry, meta: DocumentMeta) -> None:
        """This file now holds ``meta.doc_id``; an id it declared before is retired."""
        self.ledger.seen.add(meta.doc_id)
        renamed = self.ledger.by_path.get(entry.recorded_path)
        if renamed is not None and renamed.doc_id != meta.doc_id:
            self._retire([renamed], "the file now declares another document id", position)

    def _publish(self, item: _Drafted, prepared: PreparedDocument) -> DocOutcome | None:
        """Quarantine now, or queue for indexing (None): embedding is batched across
        documents (``chunk_embedding``)."""
        entry, parsed, meta = item.entry, item.parsed, prepared.meta
        previous = self.ledger.by_id.get(meta.doc_id)
        self._claim(item.position, entry, meta)
        score = prepared.injection_score
        if not (self.options.quarantine_injections and score >= self.options.injection_threshold):
            self.pending.append(_Pending(item.position, entry, parsed, prepared, previous))
            return None
        reasons = (
            f"injection score {score:.2f} >= threshold {self.options.injection_threshold:.2f}",
            *prepared.injection_reasons,
        )
        return self._quarantine(
            entry,
            meta,
            reasons=reasons,
            warnings=parsed.warnings,
            chunk_count=len(prepared.chunks),
            score=score,
        )

    def _quarantine(
        self,
        entry: SourceEntry,
        meta: DocumentMeta,
        *,
        reasons: tuple[str, ...],
        warnings: tuple[str, ...],
        chunk_count: int = 0,
        score: float | None = None,
    ) -> DocOutcome:
        """Hold the document back (its previous version withdrawn), with its reasons."""
        self._withdraw(meta.doc_id)
        self._save(entry, meta, DocStatus.QUARANTINED, chunk_count, score, reasons)
        return DocOutcome(
            source=entry.relative,
            shown=entry.shown,
            action=Action.QUARANTINED,
            doc_id=meta.doc_id,
            version=meta.version,
            chunk_count=chunk_count,
            injection_score=score,
            reasons=reasons,
            warnings=warnings,
        )

    def _index_pending(self, background: ThreadPoolExecutor) -> None:
        """Start embedding every queued document's chunks in shared batches
        (``chunk_embedding``) in ``background``, and index the batch started by the previous
        call: one embedding runs while the run goes on detecting."""
        started, self.embedding = self.embedding, None
        if self.pending:
            queued, self.pending = self.pending, []
            chunks = [item.prepared.chunks for item in queued]
            self.embedding = _Embedding(
                queued, background.submit(self.chunk_embedder.documents, chunks)
            )
        if started is not None:
            self._index(started.queued, started.result.result())  # re-raises its failure

    def _index(self, queued: list[_Pending], embedded: list[Embedded]) -> None:
        """Index each embedded document; one the embedder rejected alone is quarantined."""
        self._withdraw(*(item.prepared.meta.doc_id for item in queued))
        for item, points in zip(queued, embedded, strict=True):
            meta = item.prepared.meta
            if isinstance(points, StageFailed):
                outcome = self._quarantine(
                    item.entry, meta, reasons=(points.reason,), warnings=item.parsed.warnings
                )
                self.ledger.decided(item.position, outcome)
                continue
            self._upsert(points)
            count, score = len(points), item.prepared.injection_score
            self._save(item.entry, meta, DocStatus.INDEXED, count, score, ())
            updated = item.previous is not None and item.previous.status in _LIVE
            self.ledger.decided(
                item.position,
                DocOutcome(
                    source=item.entry.relative,
                    shown=item.entry.shown,
                    action=Action.UPDATED if updated else Action.ADDED,
                    doc_id=meta.doc_id,
                    version=meta.version,
                    chunk_count=count,
                    injection_score=score,
                    warnings=item.parsed.warnings,
                ),
            )

    def _on_index(self, call: Callable[[], T]) -> T:
        """An index failure is backend-wide: the run aborts, naming the index."""
        try:
            return call()
        except HqgError:
            raise
        except Exception as exc:
            raise Unavailable(
                f"document ingest aborted: the vector index failed ({type(exc).__name__})"
            ) from exc

    def _upsert(self, points: Sequence[IndexedPoint]) -> None:
        collection = self.options.collection
        self._on_index(lambda: self.index.upsert(collection, points))

    def _withdraw(self, *doc_ids: str) -> None:
        """Delete these documents' points, whatever the catalog says: an aborted run on a
        server, or a crash between publishing and saving the catalog, leaves points the catalog
        does not know about, which this run replaces."""
        collection = self.options.collection
        self._on_index(lambda: self.index.delete_documents(collection, list(doc_ids)))

    def _save(
        self,
        entry: SourceEntry,
        meta: DocumentMeta,
        status: DocStatus,
        chunk_count: int,
        injection_score: float | None,
        reasons: tuple[str, ...],
    ) -> None:
        self.ledger.stage(
            self.ledger.record(
                entry,
                doc_id=meta.doc_id,
                status=status,
                doc_hash=meta.doc_hash,
                version=meta.version,
                reasons=reasons,
                meta=meta,
                chunk_count=chunk_count,
                injection_score=injection_score,
            )
        )

    def _fail(self, entry: SourceEntry, doc_hash: str | None, reason: str) -> DocOutcome:
        """Record the failure and withdraw what this file had indexed before."""
        reason = reason.removeprefix(f"{entry.relative}: ")
        previous = self.ledger.by_path.get(entry.recorded_path)
        doc_id = previous.doc_id if previous else failed_id(entry.relative)
        self.ledger.seen.add(doc_id)
        outcome = DocOutcome(
            source=entry.relative,
            shown=entry.shown,
            action=Action.FAILED,
            doc_id=doc_id,
            reasons=(reason,),
        )
        unchanged_failure = (
            previous is not None
            and previous.status == DocStatus.FAILED
            and (previous.doc_hash, previous.reason) == (doc_hash or "", reason)
        )
        if unchanged_failure:
            return outcome
        self._withdraw(doc_id)
        self.ledger.stage(
            self.ledger.record(
                entry,
                doc_id=doc_id,
                status=DocStatus.FAILED,
                doc_hash=doc_hash or "",
                version=previous.version if previous else 0,
                reasons=(reason,),
            )
        )
        return outcome

    def _delete_vanished(self) -> None:
        """Documents under the root whose files are gone: points deleted, status recorded."""
        gone = [
            record
            for record in self.ledger.by_id.values()
            if record.status != DocStatus.DELETED
            and record.doc_id not in self.ledger.seen
            and Path(record.source_path).is_relative_to(self.options.source)
            and (
                record.status == DocStatus.FAILED
                or self.options.tenancy.owns(record.tenant, all_tenants=record.all_tenants)
            )
        ]
        if gone:
            self._retire(gone, "source file no longer exists", self.position)

    def _retire(self, records: Sequence[DocumentRecord], reason: str, position: int) -> None:
        """Delete these documents' points and record them as deleted."""
        self._withdraw(*(record.doc_id for record in records))
        now = datetime.now(UTC)
        for record in records:
            self.ledger.stage(
                record.model_copy(
                    update={
                        "status": DocStatus.DELETED,
                        "chunk_count": 0,
                        "reason": reason,
                        "ingested_at": now,
                    }
                )
            )
            self.ledger.decided(
                position,
                DocOutcome(
                    source=record.source,
                    action=Action.DELETED,
                    doc_id=record.doc_id,
                    version=record.version,
                    reasons=(reason,),
                ),
            )


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
