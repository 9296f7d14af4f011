"""Work a table ingest runs beside DuckDB's (the source hash beside the sniff, the untagged-PII
detection beside the checks and the checkpoint) changes no outcome: the same warnings on
either load path, an unchanged file still recognised, and any failure of that work fails the
run with nothing published."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from hqg.errors import IngestError
from ingestion.catalog import Catalog
from ingestion.contracts import DatasetContract, parse_contract
from ingestion.sources import SourceFile
from ingestion.tables import ingest_table
from ingestion.workspace import Workspace
from privacy.detector import PresidioDetector
from privacy.spans import Span
from tests.ingestion.conftest import BASE_CONTRACT, GOOD_CSV, contract_with

Write = Callable[[str, str], Path]

CONTACT_HEADER = "tenant_id,id,name,score,updated_at,contact\n"


def _contact_contract() -> DatasetContract:
    return contract_with(
        columns=[
            *BASE_CONTRACT["columns"],  # type: ignore[misc]
            {"name": "contact", "type": "VARCHAR"},
        ]
    )


def _contacts(count: int) -> str:
    return "\n".join(f"acme,{i},A,1.0,2026-11-01,user{i}@example.com" for i in range(1, count + 1))


class _FailingDetector:
    """A detector whose models fail: the ingest must fail closed, never publish."""

    version = "failing-test-model"

    def detect(self, text: str) -> list[Span]:
        raise RuntimeError("simulated NER failure")

    def detect_many(self, texts: Sequence[str]) -> list[list[Span]]:
        raise RuntimeError("simulated NER failure")


def test_untagged_pii_is_reported_alike_on_the_one_pass_and_the_checked_path(
    workspace: Workspace, write: Write, detector: PresidioDetector
) -> None:
    contract = _contact_contract()
    clean = ingest_table(
        workspace,
        write("clean.csv", CONTACT_HEADER + _contacts(10)),
        dataset="people",
        detector=detector,
        contract=contract,
    )
    bad_row = "\nacme,not-a-number,A,1.0,2026-11-01,user99@example.com"
    checked = ingest_table(
        workspace,
        write("checked.csv", CONTACT_HEADER + _contacts(10) + bad_row),
        dataset="people",
        detector=detector,
        contract=contract,
    )
    assert (clean.run.rows_quarantined, checked.run.rows_quarantined) == (0, 1)
    assert clean.warnings == checked.warnings
    assert any("'contact' looks like EMAIL_ADDRESS" in w for w in clean.warnings)
    assert checked.run.report["warnings"] == list(checked.warnings)


@pytest.mark.parametrize("bad_row", [False, True], ids=["one-pass", "checked"])
def test_a_pii_detection_failure_fails_the_ingest_and_publishes_nothing(
    workspace: Workspace,
    write: Write,
    contract: DatasetContract,
    detector: PresidioDetector,
    bad_row: bool,
) -> None:
    ingest_table(
        workspace, write("p.csv", GOOD_CSV), dataset="people", detector=detector, contract=contract
    )
    body = _contacts(5) + ("\nacme,x,A,1.0,2026-11-01,user9@example.com" if bad_row else "")
    with pytest.raises(RuntimeError, match="simulated NER failure"):
        ingest_table(
            workspace,
            write("p.csv", CONTACT_HEADER + body),
            dataset="people",
            detector=_FailingDetector(),
            contract=_contact_contract(),
        )
    catalog = Catalog(workspace.catalog_path)
    assert [v.version for v in catalog.versions("people")] == ["v1"]
    assert [run.outcome for run in catalog.runs("people")] == ["committed"]
    directory = workspace.dataset_dir("people")
    assert sorted(p.name for p in directory.iterdir() if p.suffix == ".duckdb") == ["v1.duckdb"]
    assert not list(directory.glob(".*.staging.duckdb*"))


def test_an_unchanged_file_is_recognised_without_loading_it_again(
    workspace: Workspace, write: Write, contract: DatasetContract, detector: PresidioDetector
) -> None:
    source = write("p.csv", GOOD_CSV)
    first = ingest_table(workspace, source, dataset="people", detector=detector, contract=contract)
    again = ingest_table(workspace, source, dataset="people", detector=detector, contract=contract)
    assert (first.run.outcome, again.run.outcome) == ("committed", "unchanged")
    # the first run hashed beside its load, the second before deciding: the same fingerprint
    assert again.run.content_hash == first.run.content_hash
    assert not list(workspace.dataset_dir("people").glob(".*.staging.duckdb*"))


def test_a_source_duckdb_cannot_read_is_refused_as_a_failed_ingest(
    workspace: Workspace, write: Write, detector: PresidioDetector
) -> None:
    contract = parse_contract(
        {
            "name": "people",
            "owner": "crm",
            "primary_key": ["id"],
            "columns": [{"name": "id", "type": "INTEGER"}],
        },
        source="test",
    )
    source = write("p.parquet", "this is not parquet\n")
    with pytest.raises(IngestError, match=r"p\.parquet: ingest failed"):
        ingest_table(workspace, source, dataset="people", detector=detector, contract=contract)
    assert Catalog(workspace.catalog_path).find("people") is None
    assert not list(workspace.dataset_dir("people").glob(".*.staging.duckdb*"))


@pytest.mark.parametrize("earlier_version", [False, True], ids=["first-ingest", "re-ingest"])
def test_a_hash_failure_fails_the_ingest_and_publishes_nothing(
    workspace: Workspace,
    write: Write,
    contract: DatasetContract,
    detector: PresidioDetector,
    monkeypatch: pytest.MonkeyPatch,
    earlier_version: bool,
) -> None:
    """The hash runs beside the load on a first ingest (no version could equal the file) and
    before it otherwise; either way a failed hash publishes nothing."""
    if earlier_version:
        ingest_table(
            workspace,
            write("p.csv", GOOD_CSV),
            dataset="people",
            detector=detector,
            contract=contract,
        )

    def unreadable(self: SourceFile) -> str:
        raise IngestError(f"{self.path}: cannot read source (simulated)")

    monkeypatch.setattr(SourceFile, "content_hash", unreadable)
    more = GOOD_CSV + "globex,4,Dee,4.5,2026-11-04 10:00:00\n"
    with pytest.raises(IngestError, match="cannot read source"):
        ingest_table(
            workspace, write("p.csv", more), dataset="people", detector=detector, contract=contract
        )
    catalog = Catalog(workspace.catalog_path)
    expected = ["v1"] if earlier_version else []
    assert [v.version for v in catalog.versions("people")] == expected
    directory = workspace.dataset_dir("people")
    assert sorted(p.name for p in directory.iterdir() if p.suffix == ".duckdb") == [
        f"{v}.duckdb" for v in expected
    ]
    assert not list(directory.glob(".*.staging.duckdb*"))
