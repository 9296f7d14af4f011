"""Document ingestion: a file or directory becomes governed, annotated chunks in the index.

Per document: read, hash (unchanged → nothing to do, no re-embedding), parse, resolve governance
(``governance``), chunk, find PII, score injection risk, then either quarantine (not indexed) or
embed in batches, delete the previous version's points and upsert the new ones, and record the
document in the catalog. A document that cannot be read, parsed or governed is recorded as
failed and withdrawn from the index (its previous version too: we no longer know what its owner
intends); the run goes on. A directory ingest of the collection's root also deletes documents
whose files are gone. A backend failure (embedder, index, detector) aborts the run, which is
still recorded. One run per collection at a time, across processes.

The run writes through the collection's ``writer`` (an embedded store's copy, published when the
block succeeds) and saves its documents to the catalog in one transaction only after that, so
the catalog is only ever behind the served index, never ahead: an aborted run saves none, and a
document the catalog does not know in its served state is simply re-ingested by the next run.
"""

from __future__ import annotations

import fcntl
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

from guards.verdict import InjectionDetector
from hqg.errors import HqgError, IngestError, Unavailable
from ingestion.contracts import Classification
from ingestion.documents.catalog import CollectionRecord, DocumentCatalog
from ingestion.documents.chunking import ChunkingSettings
from ingestion.documents.governance import Defaults
from ingestion.documents.ledger import RunHeader, RunLedger
from ingestion.documents.report import DocOutcome, DocRunReport
from ingestion.documents.run import DocumentRun, RunOptions, Stages
from ingestion.documents.sources import id_base
from ingestion.documents.tenancy import Tenancy, run_tenancy
from ingestion.embedding import Embedder
from ingestion.limits import IngestLimits
from ingestion.vectors.base import VectorIndex
from ingestion.vectors.versions import Unchanged
from ingestion.workspace import Workspace
from privacy.detection import PiiDetector, pinned

Progress = Callable[[str, int, int | None], None]
Writer = Callable[[str], AbstractContextManager[VectorIndex]]
"""Opens where a run writes a collection (``Components.writer``): published on a clean exit."""
_COLLECTION = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def ingest_documents(
    workspace: Workspace,
    path: Path,
    *,
    collection: str,
    detector: PiiDetector,
    injection: InjectionDetector,
    embedder: Embedder,
    writer: Writer,
    tenant: str | None = None,
    all_tenants: bool = False,
    tenancy: Tenancy | None = None,
    classification: Classification | None = None,
    labels: Sequence[str] = (),
    freshness_sla: timedelta | None = None,
    injection_threshold: float = 0.5,
    quarantine_injections: bool = True,
    chunking: ChunkingSettings | None = None,
    batch_size: int = 32,
    limits: IngestLimits | None = None,
    progress: Progress | None = None,
    rescan_pii: bool = False,
) -> DocRunReport:
    """Ingest ``path`` (a file or a directory) into ``collection``; see the module docstring.

    ``classification``, ``labels`` and ``freshness_sla`` given here become the collection's
    defaults; omitted ones fall back to the collection's (docs/documents.md). The tenant never
    does: ``tenant`` (the operator's) applies to this run only, ``all_tenants`` publishes for
    every tenant, and ``tenancy`` declares the collection's rule (``tenancy.py``); a run that
    contradicts the collection's recorded rule raises before reading anything. Documents whose
    spans were found by another detector version are re-scanned; ``rescan_pii`` re-scans every
    document.
    """
    if not _COLLECTION.match(collection):
        raise IngestError("collection names are lower-case letters, digits and '_' (max 63)")
    if not 0.0 <= injection_threshold <= 1.0:
        raise IngestError("injection_threshold must lie in [0, 1]")
    if batch_size < 1:
        raise IngestError("batch_size must be at least 1")
    source = path.expanduser().resolve()
    if not source.exists():
        raise IngestError(f"{path}: no such file or directory")
    if source.is_file():
        from ingestion.documents.parsers import parser_for

        parser_for(source)  # an unknown extension fails the whole ingest, clearly
    catalog = DocumentCatalog(workspace.catalog_path)
    with _collection_lock(workspace, collection):
        existing = catalog.collection(collection)
        scope = run_tenancy(
            existing.tenancy if existing else None,
            collection=collection,
            tenant=tenant,
            all_tenants=all_tenants,
            declared=tenancy,
            legacy=existing is not None,
        )
        record = _collection_record(
            existing,
            collection,
            source,
            embedder,
            given=(classification, tuple(labels), freshness_sla),
        ).model_copy(update={"tenancy": scope.mode})
        moved = existing is not None and existing.root not in (None, record.root)
        outside = not source.is_relative_to(record.root or source)
        if scope.mode is Tenancy.PATH and (moved or (outside and scope.tenant is None)):
            raise IngestError(
                f"collection {collection!r} takes tenants from directories under its root: "
                "ingest the root or a directory under it, or name the tenant with --tenant"
            )
        options = RunOptions(
            run_id=datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8],
            collection=collection,
            source=source,
            base=id_base(source, record.root),
            is_root=source.is_dir() and str(source) == record.root,
            tenancy=scope,
            root=Path(record.root) if record.root else None,
            defaults=Defaults(
                classification=record.default_classification,
                labels=record.default_labels,
                freshness_sla=timedelta(seconds=record.default_freshness_sla)
                if record.default_freshness_sla is not None
                else None,
            ),
            chunking=chunking or ChunkingSettings(),
            injection_threshold=injection_threshold,
            quarantine_injections=quarantine_injections,
            batch_size=batch_size,
            rescan_pii=rescan_pii,
            limits=limits or IngestLimits(),
        )
        ledger = RunLedger(
            RunHeader(
                run_id=options.run_id,
                collection=collection,
                source=str(source),
                is_root=options.is_root,
            ),
            catalog.documents(collection),
        )
        stages = Stages(
            # one vocabulary snapshot for the run: its version found every span this run stores
            detector=pinned(detector),
            injection=injection,
            embedder=embedder,
            progress=progress or (lambda stage, done, total: None),
        )
        return _execute(options, ledger, stages, catalog, writer, collection=(record, existing))


def _execute(
    options: RunOptions,
    ledger: RunLedger,
    stages: Stages,
    catalog: DocumentCatalog,
    writer: Writer,
    *,
    collection: tuple[CollectionRecord, CollectionRecord | None],
) -> DocRunReport:
    """Run, publish, then save the collection and the documents; record the run whatever
    happens (a backend failure is re-raised after). Nothing of an aborted run reaches the
    catalog: not its documents, and not a new collection, which the catalog would otherwise
    list (and search would try) although no index of it was ever published."""
    record, existing = collection
    try:
        report = _write(options, ledger, stages, writer)
    except HqgError as exc:
        catalog.record_run(ledger.report(aborted=exc.message))
        raise
    except Exception as exc:
        catalog.record_run(ledger.report(aborted=f"backend failure ({type(exc).__name__})"))
        raise Unavailable("document ingest aborted: a backend failed") from exc
    try:
        if record != existing and (existing is not None or report.changed):
            catalog.save_collection(record)
        catalog.save_documents(list(ledger.staged.values()))
    except Exception as exc:
        message = (
            "document ingest aborted after publishing: the catalog could not be written "
            f"({type(exc).__name__}); the next run re-ingests the documents it does not know"
        )
        with suppress(Exception):  # the catalog is what failed: recording may fail too
            catalog.record_run(ledger.report(aborted=message))
        raise Unavailable(message) from exc
    catalog.record_run(report)
    return report


def _write(options: RunOptions, ledger: RunLedger, stages: Stages, writer: Writer) -> DocRunReport:
    """Run inside the collection's writer; a run that changed nothing discards its copy."""
    collection = options.collection
    try:
        with writer(collection) as index:
            index.ensure_collection(collection, dim=stages.embedder.dim)
            report = DocumentRun(options, ledger=ledger, index=index, stages=stages).execute()
            if not report.changed:
                raise Unchanged
    except Unchanged:
        pass
    return report


def _collection_record(
    existing: CollectionRecord | None,
    name: str,
    source: Path,
    embedder: Embedder,
    *,
    given: tuple[Classification | None, tuple[str, ...], timedelta | None],
) -> CollectionRecord:
    """The collection as this run sees it (new, or with updated defaults; saved once the run
    has published); refuse a different embedding space."""
    classification, labels, sla = given
    if existing is not None and (existing.embedder, existing.dim) != (embedder.name, embedder.dim):
        raise IngestError(
            f"collection {name!r} was embedded with {existing.embedder} ({existing.dim} d); "
            f"refusing to mix in {embedder.name} ({embedder.dim} d)"
        )
    base = existing or CollectionRecord(
        name=name,
        root=None,
        tenancy=None,
        default_classification=Classification.INTERNAL,
        default_labels=(),
        default_freshness_sla=None,
        embedder=embedder.name,
        dim=embedder.dim,
        created_at=datetime.now(UTC),
    )
    updates: dict[str, object] = {}
    if source.is_dir() and (base.root is None or Path(base.root).is_relative_to(source)):
        updates["root"] = str(source)  # the outermost directory ingested so far
    if classification is not None:
        updates["default_classification"] = Classification(classification)
    if labels:
        updates["default_labels"] = tuple(sorted(set(labels)))
    if sla is not None:
        updates["default_freshness_sla"] = int(sla.total_seconds())
    return base.model_copy(update=updates)


@contextmanager
def _collection_lock(workspace: Workspace, collection: str) -> Iterator[None]:
    """One document ingest per collection at a time, across processes."""
    directory = workspace.home / "locks"
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / f"documents-{collection}.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


__all__ = ["DocOutcome", "DocRunReport", "Progress", "Writer", "ingest_documents"]
