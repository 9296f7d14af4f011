"""A document run's bookkeeping: the catalog as the run changes it, and what it did.

Kept apart from ``run.py`` (which reads files and writes the index) so the state a run
shares across documents lives in one place: the catalog's records by id and by source path
(updated as the run decides, so a later file sees an earlier one's claim), the ids this run
has seen, the outcomes (reported in walk order, whenever each was decided: a document
queued for embedding is decided after later files), and the records to save once the run's
index is published (``staged``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ingestion.documents.catalog import DocStatus, DocumentRecord
from ingestion.documents.model import DocumentMeta
from ingestion.documents.report import DocOutcome, DocRunReport
from ingestion.documents.sources import SourceEntry


@dataclass(frozen=True)
class RunHeader:
    """What identifies a run in its report."""

    run_id: str
    collection: str
    source: str
    is_root: bool


class RunLedger:
    """The catalog view, seen ids, outcomes and staged records of one run."""

    def __init__(self, header: RunHeader, known: Sequence[DocumentRecord]) -> None:
        self.header = header
        self.started = datetime.now(UTC)
        self.by_id = {record.doc_id: record for record in known}
        self.by_path = {r.source_path: r for r in known if r.status != DocStatus.DELETED}
        self.staged: dict[str, DocumentRecord] = {}
        self.seen: set[str] = set()
        self._outcomes: list[tuple[int, DocOutcome]] = []

    def decided(self, position: int, outcome: DocOutcome) -> None:
        """``outcome`` for the file at walk ``position`` (one past the last: vanished files)."""
        self._outcomes.append((position, outcome))

    def report(self, *, aborted: str | None = None) -> DocRunReport:
        return DocRunReport(
            run_id=self.header.run_id,
            collection=self.header.collection,
            source_path=self.header.source,
            is_root=self.header.is_root,
            started_at=self.started,
            finished_at=datetime.now(UTC),
            outcomes=tuple(o for _, o in sorted(self._outcomes, key=lambda pair: pair[0])),
            aborted=aborted,
        )

    def stage(self, record: DocumentRecord) -> None:
        """Save ``record`` with the run, and let the rest of the run see it."""
        self.staged[record.doc_id] = record
        self.by_id[record.doc_id] = record
        if record.status == DocStatus.DELETED:
            self.by_path.pop(record.source_path, None)
        else:
            self.by_path[record.source_path] = record

    def record(
        self,
        entry: SourceEntry,
        *,
        doc_id: str,
        status: DocStatus,
        doc_hash: str,
        version: int,
        reasons: Sequence[str] = (),
        meta: DocumentMeta | None = None,
        chunk_count: int = 0,
        injection_score: float | None = None,
    ) -> DocumentRecord:
        """The one place a document record is built; without ``meta`` (a file that failed
        before it was governed) it carries no title, governance or freshness."""
        return DocumentRecord(
            collection=self.header.collection,
            doc_id=doc_id,
            source_path=entry.recorded_path,
            source=entry.relative,
            title=meta.title if meta else None,
            doc_hash=doc_hash,
            version=version,
            chunk_count=chunk_count,
            status=status,
            reason="; ".join(reasons) or None,
            injection_score=injection_score,
            as_of=meta.as_of if meta else None,
            ingested_at=meta.ingested_at if meta else datetime.now(UTC),
            tenant=meta.tenant if meta else None,
            classification=meta.classification if meta else None,
            labels=meta.labels if meta else (),
            freshness_sla=meta.freshness_sla_seconds if meta else None,
            all_tenants=meta.all_tenants if meta else False,
        )
