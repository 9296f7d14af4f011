"""Structured ingestion: a source file becomes a new, immutable version of a dataset.

The run: hash the source (identical content and contract → no new version), load it into a
staging DuckDB file, compare columns with the contract (drift), type and check every row,
quarantine bad rows with a reason each, tag free-text PII, then atomically rename the staging
file into place and flip the catalog pointer. Any failure before the flip leaves the previous
version serving; a rejected batch is kept whole in quarantine. The hash and the untagged-PII
check run on a worker thread beside DuckDB's work, and are awaited before anything is decided
or published from them (``_Run.execute``).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from pydantic import BaseModel, ConfigDict

from hqg.errors import HqgError, IngestError
from ingestion.catalog import Catalog, DatasetVersion, IngestRun, utcnow
from ingestion.contracts import Column, DatasetContract
from ingestion.drift import DriftReport
from ingestion.inference import contract_type, infer_contract
from ingestion.limits import IngestLimits, over_limit
from ingestion.pii_tagging import untagged_pii_warnings
from ingestion.sources import Sniffed, SourceFile
from ingestion.staging import LoadCounts, Staging, one_pass
from ingestion.workspace import Workspace
from privacy.detection import PiiDetector, detector_version, pinned

Progress = Callable[[str, int, int | None], None]


class IngestReport(BaseModel):
    """What an ingest did: the run record plus drift, warnings and quarantine reasons."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run: IngestRun
    contract: DatasetContract
    contract_origin: str
    drift: DriftReport
    warnings: tuple[str, ...]
    quarantine_reasons: dict[str, int]


def ingest_table(
    workspace: Workspace,
    source_path: Path,
    *,
    dataset: str,
    detector: PiiDetector,
    contract: DatasetContract | None = None,
    limits: IngestLimits | None = None,
    progress: Progress | None = None,
    rescan_pii: bool = False,
) -> IngestReport:
    """Ingest one file into ``dataset``; see the module docstring for the steps.

    An unchanged file is not ingested again, unless the spans of its free-text columns were
    found by another PII detector version than ``detector``'s (new models, or known entities
    published since: ``DatasetVersion.pii_detector``) or ``rescan_pii`` forces it: then it is
    re-scanned into a new version, so reads never splice stale spans.

    ``limits`` bound what one file may cost (bytes before reading; columns and rows once
    loaded into staging, before any per-column work such as inference or PII tagging): a file
    over one is refused with the limit's setting named, and the current version keeps serving.
    """
    if contract is not None and contract.name != dataset.lower():
        raise IngestError(f"contract names dataset {contract.name!r}, not {dataset!r}")
    name = dataset.lower()
    source = SourceFile.open(source_path)
    limits = limits or IngestLimits()
    problem = over_limit("max_table_bytes", source.size, limits.max_table_bytes, unit="bytes")
    if problem is not None:
        raise IngestError(f"{source_path}: {problem}")
    catalog = Catalog(workspace.catalog_path)
    with _dataset_lock(workspace, name):
        _remove_stale_staging(workspace, name)
        run = _Run(workspace, catalog, source, name, detector, progress)
        return run.execute(contract, limits, rescan_pii=rescan_pii)


def _rescan_reason(
    contract: DatasetContract, current: DatasetVersion, detector: str, force: bool
) -> str | None:
    """Why an unchanged file must be scanned again for PII, or None."""
    if current.pii_stale(contract, detector):
        return "stale PII detector version"
    if force and any(column.is_free_text for column in contract.columns):
        return "re-scan forced"
    return None


def _remove_stale_staging(workspace: Workspace, dataset: str) -> None:
    """Staging files left by a killed run: safe to delete while we hold the dataset lock."""
    for leftover in workspace.dataset_dir(dataset).glob(".*.staging.duckdb*"):
        leftover.unlink(missing_ok=True)


@contextmanager
def _dataset_lock(workspace: Workspace, dataset: str) -> Iterator[None]:
    """One ingest per dataset at a time, across processes."""
    directory = workspace.dataset_dir(dataset)
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class _SourceHash:
    """The source's SHA-256, computed on the run's worker thread and awaited where it is first
    needed; the "hash" progress stage is reported on the run's own thread."""

    def __init__(self, source: SourceFile, background: Executor, progress: Progress) -> None:
        self._size, self._progress = source.size, progress
        progress("hash", 0, source.size)
        self._future = background.submit(source.content_hash)
        self._value: str | None = None

    def value(self) -> str:
        if self._value is None:
            self._value = self._future.result()
            self._progress("hash", self._size, self._size)
        return self._value


@dataclass(frozen=True)
class _Loading:
    """What loading a batch starts from: the contract (None: infer one), the source's sniff
    (None: not sniffed yet), the limits, and the run's worker thread."""

    contract: DatasetContract | None
    sniffed: Sniffed | None
    limits: IngestLimits
    background: Executor


@dataclass(frozen=True)
class _Loaded:
    """A loaded batch, its drift and counts, and its untagged-PII warnings (being found)."""

    contract: DatasetContract
    drift: DriftReport
    counts: LoadCounts
    warnings: Future[list[str]]


@dataclass(frozen=True)
class _Rejected:
    """A batch whose schema drift the contract does not allow, and why."""

    contract: DatasetContract
    drift: DriftReport
    reasons: list[str]


class _Run:
    """One ingest run; a class only to keep its shared state out of long argument lists."""

    def __init__(
        self,
        workspace: Workspace,
        catalog: Catalog,
        source: SourceFile,
        dataset: str,
        detector: PiiDetector,
        progress: Progress | None,
    ) -> None:
        self.workspace, self.catalog, self.source = workspace, catalog, source
        # one vocabulary snapshot for the run: its version found every span this run stores
        self.dataset, self.detector = dataset, pinned(detector)
        self.progress: Progress = progress or (lambda stage, done, total: None)
        self.rescan: str | None = None
        self.pii_detector = ""
        self.run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]
        self.started = utcnow()

    def execute(
        self, given: DatasetContract | None, limits: IngestLimits, *, rescan_pii: bool
    ) -> IngestReport:
        existing = self.catalog.find(self.dataset)
        contract = given or (existing.contract if existing else None)
        origin = "file" if given else (existing.contract_origin if existing else "inferred")
        # one worker for the run: it hashes the source beside DuckDB's sniff (and, when no
        # version could equal the file, beside the load), then finds the untagged PII while
        # DuckDB checks and writes (hashlib, the NER models and DuckDB all release the GIL)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hqg-ingest") as background:
            file_hash = _SourceHash(self.source, background, self.progress)
            sniffed = _sniffed(self.source) if contract is not None and one_pass(contract) else None
            self.pii_detector = detector_version(self.detector)
            current = existing.current if existing is not None else None
            if contract is not None and current is not None:
                # the file may be the current version's: that is known before loading it
                content_hash = _fingerprint(file_hash.value(), contract)
                if current.content_hash == content_hash:
                    self.rescan = _rescan_reason(contract, current, self.pii_detector, rescan_pii)
                    if self.rescan is None:
                        return self._unchanged(contract, origin, content_hash, current)
            staging = self.workspace.dataset_dir(self.dataset) / f".{self.run_id}.staging.duckdb"
            try:
                loading = _Loading(contract, sniffed, limits, background)
                return self._stage(staging, loading, origin, file_hash)
            except HqgError:
                raise
            except (duckdb.Error, OSError) as exc:
                raise IngestError(
                    f"{self.source.path}: ingest failed ({type(exc).__name__})"
                ) from exc
            finally:
                staging.unlink(missing_ok=True)
                Path(f"{staging}.wal").unlink(missing_ok=True)

    def _stage(
        self, path: Path, loading: _Loading, origin: str, file_hash: _SourceHash
    ) -> IngestReport:
        with Staging.open(
            path, self.source, limits=loading.limits, progress=self.progress
        ) as stage:
            loaded = self._load(stage, loading)
            if isinstance(loaded, _Rejected):
                return self._reject(stage, loaded, origin, file_hash.value())
            contract, drift, counts = loaded.contract, loaded.drift, loaded.counts
            quarantine = self._quarantine_path() if counts.bad else None
            if quarantine is not None:
                stage.write_quarantine(quarantine)
            as_of = stage.as_of(contract) or self.source.mtime
            # leaving ``stage`` checkpoints the file while the detection may still run
        warnings = loaded.warnings.result()  # a detection failure fails the run here
        content_hash = _fingerprint(file_hash.value(), contract)
        free_text = any(column.is_free_text for column in contract.columns)
        pii_detector = self.pii_detector if free_text else ""
        version = self._publish(path, counts.good, counts.bad, content_hash, as_of, pii_detector)
        run = self._record(
            "committed",
            content_hash,
            (counts.read, counts.good, counts.bad),
            version.version,
            quarantine,
            {
                "drift": drift.model_dump(),
                "warnings": warnings,
                "reasons": counts.reasons,
                # what found the spans of this version's free-text columns (``<col>__pii``)
                "pii_detector": pii_detector,
                # why an unchanged file was ingested again (None: it had changed)
                "pii_rescan": self.rescan,
            },
        )
        self.catalog.record_run(run, version=version, contract=(contract, origin))
        return IngestReport(
            run=run,
            contract=contract,
            contract_origin=origin,
            drift=drift,
            warnings=tuple(warnings),
            quarantine_reasons=counts.reasons,
        )

    def _load(self, stage: Staging, loading: _Loading) -> _Loaded | _Rejected:
        """Load the batch: in one pass when it is clean under a given contract, else raw,
        then (inferring a contract for a first ingest) drift-checked and checked row by row."""
        contract, background = loading.contract, loading.background
        if contract is not None:
            given = contract
            started: list[Future[list[str]]] = []
            counts = stage.load_clean(
                given,
                sniffed=loading.sniffed,
                on_typed=lambda: started.append(self._warn(stage, given, background)),
            )
            if counts is not None:
                return _Loaded(given, DriftReport(), counts, started[0])
            for discarded in started:  # sampled rows that failed a check
                discarded.cancel()
        stage.load_raw(all_varchar=contract is not None)
        if contract is None:
            contract = infer_contract(
                self.dataset,
                stage.source_columns,
                pii=stage.pii_candidates(self.detector),
                nullable=stage.nullable_columns(),
            )
        drift = stage.drift(contract)
        blocking = drift.blocking_reasons(contract)
        if blocking:
            return _Rejected(contract, drift, blocking)
        contract = _evolve(contract, drift)
        counts = stage.check_and_load(contract, self.detector)
        return _Loaded(contract, drift, counts, self._warn(stage, contract, background))

    def _warn(
        self, stage: Staging, contract: DatasetContract, background: Executor
    ) -> Future[list[str]]:
        """The untagged-PII warnings of ``data``: sampled here (the connection is this
        thread's), detected on ``background`` while DuckDB goes on checking, checkpointing and
        quarantining (the NER models and DuckDB both release the GIL)."""
        return background.submit(
            untagged_pii_warnings, stage.untagged_samples(contract), self.detector
        )

    def _publish(
        self,
        staging: Path,
        good: int,
        bad: int,
        content_hash: str,
        as_of: datetime,
        pii_detector: str,
    ) -> DatasetVersion:
        """Rename the staging file into place; the caller then flips the catalog pointer.

        A crash between the two leaves an unreferenced file that the next run overwrites.
        """
        seq = self.catalog.next_seq(self.dataset)
        version = f"v{seq}"
        target = self.workspace.version_path(self.dataset, version)
        _fsync(staging)
        os.replace(staging, target)
        return DatasetVersion(
            dataset=self.dataset,
            version=version,
            seq=seq,
            row_count=good,
            quarantined_count=bad,
            content_hash=content_hash,
            source_path=str(self.source.path),
            source_mtime=self.source.mtime,
            ingested_at=utcnow(),
            as_of=as_of,
            file=target.relative_to(self.workspace.home),
            pii_detector=pii_detector,
        )

    def _unchanged(
        self, contract: DatasetContract, origin: str, content_hash: str, current: DatasetVersion
    ) -> IngestReport:
        run = self._record(
            "unchanged",
            content_hash,
            (0, 0, 0),
            current.version,
            None,
            {"note": "identical content and contract: no new version"},
        )
        self.catalog.record_run(run)
        return IngestReport(
            run=run,
            contract=contract,
            contract_origin=origin,
            drift=DriftReport(),
            warnings=(),
            quarantine_reasons={},
        )

    def _reject(
        self, stage: Staging, rejected: _Rejected, origin: str, file_hash: str
    ) -> IngestReport:
        """Quarantine the whole batch: schema drift the contract does not allow."""
        contract, drift = rejected.contract, rejected.drift
        quarantine = self._quarantine_path()
        reason = "batch rejected: " + "; ".join(rejected.reasons)
        rows = stage.write_rejected(quarantine, reason)
        run = self._record(
            "rejected",
            _fingerprint(file_hash, contract),
            (rows, 0, rows),
            None,
            quarantine,
            {"drift": drift.model_dump(), "reasons": {reason: rows}},
        )
        self.catalog.record_run(run)
        return IngestReport(
            run=run,
            contract=contract,
            contract_origin=origin,
            drift=drift,
            warnings=(),
            quarantine_reasons={reason: rows},
        )

    def _quarantine_path(self) -> Path:
        path = self.workspace.quarantine_path(self.dataset, self.run_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def _record(
        self,
        outcome: str,
        content_hash: str,
        counts: tuple[int, int, int],
        version: str | None,
        quarantine: Path | None,
        report: dict[str, object],
    ) -> IngestRun:
        read, loaded, quarantined = counts
        return IngestRun(
            run_id=self.run_id,
            dataset=self.dataset,
            started_at=self.started,
            finished_at=utcnow(),
            outcome=outcome,
            source_path=str(self.source.path),
            content_hash=content_hash,
            rows_read=read,
            rows_loaded=loaded,
            rows_quarantined=quarantined,
            version=version,
            quarantine_file=str(quarantine.relative_to(self.workspace.home))
            if quarantine
            else None,
            report=report,
        )


def _sniffed(source: SourceFile) -> Sniffed | None:
    """``source.sniff()``, or None when DuckDB cannot sniff the file: the load then meets
    the same error and reports it as any load failure."""
    try:
        return source.sniff()
    except duckdb.Error:
        return None


def _evolve(contract: DatasetContract, drift: DriftReport) -> DatasetContract:
    """Append columns the batch added (allowed only when the contract permits evolution)."""
    if not drift.added:
        return contract
    added = tuple(Column(name=name, type=contract_type(kind)) for name, kind in drift.added.items())
    return contract.model_copy(update={"columns": contract.columns + added})


def _fingerprint(file_hash: str, contract: DatasetContract) -> str:
    """Identity of a version: the same bytes under the same contract are the same version."""
    payload = f"{file_hash}:{contract.model_dump_json()}".encode()
    return hashlib.sha256(payload).hexdigest()


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())
