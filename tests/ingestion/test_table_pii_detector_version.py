"""The detector version behind a free-text column's spans is recorded per dataset version, and
an unchanged file whose spans are stale (new models, or known entities published since) is
scanned again instead of being reported unchanged."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from ingestion.catalog import Catalog
from ingestion.contracts import DatasetContract
from ingestion.tables import ingest_table
from ingestion.workspace import Workspace
from privacy.composite import CompositeDetector, FixedVocabulary, Vocabulary
from privacy.detector import PresidioDetector
from privacy.known_entities import KnownEntities, KnownEntry
from tests.ingestion.conftest import BASE_CONTRACT, GOOD_CSV, contract_with

Write = Callable[[str, str], Path]
#: spaCy does not read a lower-case name as a PERSON; the catalog's known entities do.
NOTE_CSV = (
    "tenant_id,id,name,score,updated_at,note\n"
    'acme,1,A,1.0,2026-11-01,"tyler west asked about the refund again"\n'
)


def _free_text_contract() -> DatasetContract:
    return contract_with(
        columns=[
            *BASE_CONTRACT["columns"],  # type: ignore[misc]
            {"name": "note", "type": "VARCHAR", "tags": ["free_text"]},
        ]
    )


def _composite(detector: PresidioDetector, *names: str) -> CompositeDetector:
    known = KnownEntities(KnownEntry("PERSON", name) for name in names)
    return CompositeDetector([detector], FixedVocabulary(Vocabulary(known=known)))


def _current(workspace: Workspace) -> tuple[str, str]:
    current = Catalog(workspace.catalog_path).dataset("people").current
    assert current is not None
    return current.version, current.pii_detector


def _note_spans(workspace: Workspace, version: str) -> list[list[object]]:
    import duckdb

    path = workspace.version_path("people", version)
    with duckdb.connect(str(path), read_only=True) as con:
        ((spans,),) = con.execute("SELECT note__pii FROM data").fetchall()
    return list(json.loads(spans))


def test_free_text_version_records_the_detector_version_that_scanned_it(
    workspace: Workspace, write: Write, detector: PresidioDetector
) -> None:
    scanner = _composite(detector)
    source = write("p.csv", NOTE_CSV)
    report = ingest_table(
        workspace, source, dataset="people", detector=scanner, contract=_free_text_contract()
    )
    assert _current(workspace) == ("v1", scanner.version)
    assert report.run.report["pii_detector"] == scanner.version


def test_unchanged_file_is_rescanned_when_known_entities_changed_since(
    workspace: Workspace, write: Write, detector: PresidioDetector
) -> None:
    source, contract = write("p.csv", NOTE_CSV), _free_text_contract()
    first = _composite(detector)
    ingest_table(workspace, source, dataset="people", detector=first, contract=contract)
    assert not [s for s in _note_spans(workspace, "v1") if s[0] == "PERSON"]

    newer = _composite(detector, "Tyler West")
    report = ingest_table(workspace, source, dataset="people", detector=newer, contract=contract)

    assert report.run.outcome == "committed"
    assert report.run.report["pii_rescan"] == "stale PII detector version"
    assert _current(workspace) == ("v2", newer.version)
    assert [s[1:3] for s in _note_spans(workspace, "v2") if s[0] == "PERSON"] == [[0, 10]]


def test_unchanged_file_scanned_by_the_current_detector_is_not_ingested_again(
    workspace: Workspace, write: Write, detector: PresidioDetector
) -> None:
    source, contract = write("p.csv", NOTE_CSV), _free_text_contract()
    scanner = _composite(detector)
    ingest_table(workspace, source, dataset="people", detector=scanner, contract=contract)
    again = ingest_table(workspace, source, dataset="people", detector=scanner, contract=contract)
    assert again.run.outcome == "unchanged"
    assert _current(workspace)[0] == "v1"


def test_rescan_flag_forces_a_new_scan_of_an_unchanged_free_text_file(
    workspace: Workspace, write: Write, detector: PresidioDetector
) -> None:
    source, contract = write("p.csv", NOTE_CSV), _free_text_contract()
    scanner = _composite(detector)
    ingest_table(workspace, source, dataset="people", detector=scanner, contract=contract)
    forced = ingest_table(
        workspace, source, dataset="people", detector=scanner, contract=contract, rescan_pii=True
    )
    assert forced.run.outcome == "committed"
    assert forced.run.report["pii_rescan"] == "re-scan forced"
    assert _current(workspace) == ("v2", scanner.version)


def test_dataset_without_free_text_records_no_detector_and_is_never_rescanned(
    workspace: Workspace, write: Write, detector: PresidioDetector, contract: DatasetContract
) -> None:
    source = write("p.csv", GOOD_CSV)
    first = _composite(detector)
    ingest_table(workspace, source, dataset="people", detector=first, contract=contract)
    report = ingest_table(
        workspace,
        source,
        dataset="people",
        detector=_composite(detector, "Ann Lee"),
        contract=contract,
        rescan_pii=True,
    )
    assert report.run.outcome == "unchanged"
    assert _current(workspace) == ("v1", "")


def test_a_catalog_from_before_the_detector_version_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    with sqlite3.connect(path) as con:
        con.execute(
            "CREATE TABLE versions (dataset TEXT NOT NULL, version TEXT NOT NULL, seq INTEGER"
            " NOT NULL, row_count INTEGER NOT NULL, quarantined_count INTEGER NOT NULL,"
            " content_hash TEXT NOT NULL, source_path TEXT NOT NULL, source_mtime TEXT NOT NULL,"
            " ingested_at TEXT NOT NULL, as_of TEXT NOT NULL, file TEXT NOT NULL,"
            " PRIMARY KEY (dataset, version))"
        )
    Catalog(path)
    with sqlite3.connect(path) as con:
        columns = {row[1] for row in con.execute("PRAGMA table_info(versions)")}
    assert "pii_detector" in columns
