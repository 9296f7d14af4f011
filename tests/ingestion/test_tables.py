"""Structured ingestion on real DuckDB files with the real PII detector."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from hqg.errors import IngestError
from ingestion.catalog import Catalog
from ingestion.contracts import DatasetContract
from ingestion.tables import ingest_table
from ingestion.workspace import Workspace
from privacy.detector import PresidioDetector
from tests.ingestion.conftest import BASE_CONTRACT, GOOD_CSV, contract_with

Write = Callable[[str, str], Path]


def rows(workspace: Workspace, dataset: str, sql: str = "SELECT * FROM data ORDER BY 1, 2"):
    current = Catalog(workspace.catalog_path).dataset(dataset).current
    assert current is not None
    with duckdb.connect(str(workspace.home / current.file), read_only=True) as con:
        return con.execute(sql).fetchall()


def quarantined(workspace: Workspace, relative: str | None) -> list[tuple]:
    assert relative is not None
    with duckdb.connect(str(workspace.home / relative), read_only=True) as con:
        return con.execute("SELECT * FROM rows ORDER BY _hqg_row").fetchall()


def test_good_file_becomes_version_one_with_catalog_record(
    workspace: Workspace, write: Write, contract: DatasetContract, detector: PresidioDetector
) -> None:
    report = ingest_table(
        workspace,
        write("p.csv", GOOD_CSV),
        dataset="people",
        detector=detector,
        contract=contract,
    )
    assert report.run.outcome == "committed"
    assert (report.run.rows_read, report.run.rows_loaded, report.run.rows_quarantined) == (3, 3, 0)
    dataset = Catalog(workspace.catalog_path).dataset("people")
    assert dataset.current is not None
    assert dataset.current.version == "v1"
    assert dataset.current.row_count == 3
    assert dataset.current.as_of.isoformat() == "2026-11-03T10:00:00+00:00"
    assert len(dataset.current.content_hash) == 64
    assert rows(workspace, "people")[0] == (
        "acme",
        1,
        "Ann Lee",
        1.5,
        rows(workspace, "people")[0][4],
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("p.parquet", None),
        (
            "p.json",
            json.dumps(
                [
                    {
                        "tenant_id": "acme",
                        "id": 1,
                        "name": "A",
                        "score": 1.0,
                        "updated_at": "2026-11-01 10:00:00",
                    }
                ]
            ),
        ),
        (
            "p.ndjson",
            '{"tenant_id": "acme", "id": 1, "name": "A", "score": 1.0, '
            '"updated_at": "2026-11-01 10:00:00"}\n',
        ),
    ],
)
def test_parquet_json_and_ndjson_load(
    workspace: Workspace,
    write: Write,
    contract: DatasetContract,
    detector: PresidioDetector,
    tmp_path: Path,
    name: str,
    content: str | None,
) -> None:
    if content is None:
        path = tmp_path / name
        csv = write("p.csv", GOOD_CSV)
        duckdb.connect().execute(
            f"COPY (SELECT * FROM read_csv('{csv}')) TO '{path}' (FORMAT PARQUET)"
        )
    else:
        path = write(name, content)
    report = ingest_table(workspace, path, dataset="people", detector=detector, contract=contract)
    assert report.run.outcome == "committed"
    assert report.run.rows_loaded >= 1


def test_bad_rows_are_quarantined_with_a_reason_each(
    workspace: Workspace, write: Write, contract: DatasetContract, detector: PresidioDetector
) -> None:
    source = write(
        "p.csv",
        "tenant_id,id,name,score,updated_at\n"
        "acme,1,Ann,1.0,2026-11-01 10:00:00\n"
        "acme,two,Bo,2.0,2026-11-01 10:00:00\n"
        ",3,Cy,3.0,2026-11-01 10:00:00\n"
        "acme,4,Di,lots,2026-11-01 10:00:00\n"
        "acme,5,Ed,5.0,2026-11-01 10:00:00\n"
        "acme,5,Ed again,5.0,2026-11-01 10:00:00\n",
    )
    report = ingest_table(workspace, source, dataset="people", detector=detector, contract=contract)
    assert report.run.rows_loaded == 1
    assert report.run.rows_quarantined == 5
    by_row = {row[0]: row[-1] for row in quarantined(workspace, report.run.quarantine_file)}
    assert by_row[2] == "id: not a valid INTEGER"
    assert by_row[3] == "tenant_id: missing value"
    assert by_row[4] == "score: not a valid DOUBLE"
    assert by_row[5] == by_row[6] == "duplicate primary key"
    assert sum(report.quarantine_reasons.values()) == 5


def test_reingesting_identical_content_creates_no_new_version(
    workspace: Workspace, write: Write, contract: DatasetContract, detector: PresidioDetector
) -> None:
    source = write("p.csv", GOOD_CSV)
    first = ingest_table(workspace, source, dataset="people", detector=detector, contract=contract)
    again = ingest_table(workspace, source, dataset="people", detector=detector, contract=contract)
    assert (first.run.outcome, again.run.outcome) == ("committed", "unchanged")
    catalog = Catalog(workspace.catalog_path)
    assert [v.version for v in catalog.versions("people")] == ["v1"]
    assert [r.outcome for r in catalog.runs("people")] == ["committed", "unchanged"]


def test_changed_content_creates_a_new_version_and_keeps_the_old_file(
    workspace: Workspace, write: Write, contract: DatasetContract, detector: PresidioDetector
) -> None:
    ingest_table(
        workspace, write("p.csv", GOOD_CSV), dataset="people", detector=detector, contract=contract
    )
    more = GOOD_CSV + "globex,4,Dee Ng,4.5,2026-11-04 10:00:00\n"
    report = ingest_table(
        workspace, write("p.csv", more), dataset="people", detector=detector, contract=contract
    )
    assert report.run.version == "v2"
    assert len(rows(workspace, "people")) == 4
    assert workspace.version_path("people", "v1").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        (
            "tenant_id,id,name,score,updated_at,extra",
            "acme,1,A,1.0,2026-11-01,x",
            "new column(s) 'extra'",
        ),
        ("tenant_id,id,name,updated_at", "acme,1,A,2026-11-01", "column 'score' is missing"),
        (
            "tenant_id,id,name,score,updated_at",
            "acme,1,A,high,2026-11-01",
            "column 'score' no longer holds DOUBLE",
        ),
        (
            "tenant_id,id,full_name,score,updated_at",
            "acme,1,A,1.0,2026-11-01",
            "column 'name' appears renamed to 'full_name'",
        ),
    ],
    ids=["added", "removed", "retyped", "renamed"],
)
def test_schema_drift_quarantines_the_whole_batch_and_keeps_the_previous_version(
    workspace: Workspace,
    write: Write,
    contract: DatasetContract,
    detector: PresidioDetector,
    header: str,
    row: str,
    expected: str,
) -> None:
    ingest_table(
        workspace, write("p.csv", GOOD_CSV), dataset="people", detector=detector, contract=contract
    )
    report = ingest_table(
        workspace, write("d.csv", f"{header}\n{row}\n"), dataset="people", detector=detector
    )
    assert report.run.outcome == "rejected"
    reason = next(iter(report.quarantine_reasons))
    assert expected in reason
    assert len(quarantined(workspace, report.run.quarantine_file)) == 1
    assert Catalog(workspace.catalog_path).dataset("people").current.version == "v1"  # type: ignore[union-attr]


def test_added_column_is_accepted_when_the_contract_allows_evolution(
    workspace: Workspace, write: Write, detector: PresidioDetector
) -> None:
    evolving = contract_with(allow_evolution=True)
    source = write("p.csv", "tenant_id,id,name,score,updated_at,tier\nacme,1,A,1.0,2026-11-01,3\n")
    report = ingest_table(workspace, source, dataset="people", detector=detector, contract=evolving)
    assert report.run.outcome == "committed"
    recorded = Catalog(workspace.catalog_path).dataset("people").contract
    assert recorded.column("tier") is not None
    # CSV is read as text under a contract, so an added column arrives as VARCHAR
    assert rows(workspace, "people", "SELECT tier FROM data") == [("3",)]


def test_crash_between_staging_and_swap_leaves_previous_version_serving(
    workspace: Workspace,
    write: Write,
    contract: DatasetContract,
    detector: PresidioDetector,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ingest_table(
        workspace, write("p.csv", GOOD_CSV), dataset="people", detector=detector, contract=contract
    )

    def crash(*args: object) -> None:
        raise OSError(5, "simulated crash before the swap")

    monkeypatch.setattr(os, "replace", crash)
    more = GOOD_CSV + "globex,4,Dee,4.5,2026-11-04 10:00:00\n"
    with pytest.raises(IngestError):
        ingest_table(
            workspace, write("p.csv", more), dataset="people", detector=detector, contract=contract
        )
    monkeypatch.undo()
    assert Catalog(workspace.catalog_path).dataset("people").current.version == "v1"  # type: ignore[union-attr]
    assert len(rows(workspace, "people")) == 3
    leftovers = [p.name for p in workspace.dataset_dir("people").iterdir() if "staging" in p.name]
    assert leftovers == []


def test_reader_holding_a_version_open_is_undisturbed_by_an_ingest(
    workspace: Workspace, write: Write, contract: DatasetContract, detector: PresidioDetector
) -> None:
    ingest_table(
        workspace, write("p.csv", GOOD_CSV), dataset="people", detector=detector, contract=contract
    )
    reader = duckdb.connect(":memory:")
    reader.execute(f"ATTACH '{workspace.version_path('people', 'v1')}' AS v (READ_ONLY)")
    more = GOOD_CSV + "globex,4,Dee,4.5,2026-11-04 10:00:00\n"
    ingest_table(
        workspace, write("p.csv", more), dataset="people", detector=detector, contract=contract
    )
    assert reader.execute("SELECT count(*) FROM v.data").fetchone() == (3,)
    assert len(rows(workspace, "people")) == 4


def test_free_text_spans_are_stored_beside_the_row_with_a_masked_copy(
    workspace: Workspace, write: Write, detector: PresidioDetector
) -> None:
    contract = contract_with(
        columns=[
            *BASE_CONTRACT["columns"],  # type: ignore[misc]
            {"name": "note", "type": "VARCHAR", "tags": ["free_text"]},
        ]
    )
    source = write(
        "p.csv",
        "tenant_id,id,name,score,updated_at,note\n"
        'acme,1,A,1.0,2026-11-01,"Write to jane.doe@example.com or call +1 415-555-0132."\n',
    )
    ingest_table(workspace, source, dataset="people", detector=detector, contract=contract)
    ((spans, masked),) = rows(workspace, "people", "SELECT note__pii, note__masked FROM data")
    assert {s[0] for s in json.loads(spans)} >= {"EMAIL_ADDRESS", "PHONE_NUMBER"}
    assert masked == "Write to <EMAIL_ADDRESS> or call <PHONE_NUMBER>."


def test_untagged_pii_column_is_reported_as_a_warning(
    workspace: Workspace, write: Write, detector: PresidioDetector
) -> None:
    contract = contract_with(
        columns=[
            *BASE_CONTRACT["columns"],  # type: ignore[misc]
            {"name": "contact", "type": "VARCHAR"},
        ]
    )
    lines = [f"acme,{i},A,1.0,2026-11-01,user{i}@example.com" for i in range(1, 11)]
    source = write("p.csv", "tenant_id,id,name,score,updated_at,contact\n" + "\n".join(lines))
    report = ingest_table(workspace, source, dataset="people", detector=detector, contract=contract)
    assert any("'contact' looks like EMAIL_ADDRESS" in w for w in report.warnings)


def test_first_ingest_without_contract_infers_one_and_tags_pii(
    workspace: Workspace, write: Write, detector: PresidioDetector
) -> None:
    lines = [f"{i},user{i}@example.com,{i * 1.5}" for i in range(1, 11)]
    source = write("c.csv", "id,email,amount\n" + "\n".join(lines))
    report = ingest_table(workspace, source, dataset="contacts", detector=detector)
    assert report.contract_origin == "inferred"
    recorded = Catalog(workspace.catalog_path).dataset("contacts")
    assert recorded.contract_origin == "inferred"
    assert recorded.contract.column("email").pii_entity == "EMAIL_ADDRESS"  # type: ignore[union-attr]
    assert recorded.contract.classification.value == "confidential"
    # the next ingest is checked against the recorded contract
    drifted = write("c2.csv", "id,mail,amount\n1,a@example.com,1\n")
    assert ingest_table(workspace, drifted, dataset="contacts", detector=detector).run.outcome == (
        "rejected"
    )


def test_unsupported_or_missing_source_is_a_clear_error(
    workspace: Workspace, write: Write, detector: PresidioDetector
) -> None:
    with pytest.raises(IngestError, match="unsupported file type"):
        ingest_table(workspace, write("x.xlsx", ""), dataset="x", detector=detector)
    with pytest.raises(IngestError, match="cannot read source"):
        ingest_table(workspace, Path("/nonexistent/x.csv"), dataset="x", detector=detector)


def test_contract_for_another_dataset_is_refused(
    workspace: Workspace, write: Write, contract: DatasetContract, detector: PresidioDetector
) -> None:
    with pytest.raises(IngestError, match="contract names dataset 'people'"):
        ingest_table(
            workspace,
            write("p.csv", GOOD_CSV),
            dataset="other",
            detector=detector,
            contract=contract,
        )


@pytest.mark.slow
def test_ingest_killed_mid_run_leaves_previous_version_serving(
    workspace: Workspace,
    write: Write,
    contract: DatasetContract,
    detector: PresidioDetector,
    tmp_path: Path,
) -> None:
    import signal
    import subprocess
    import sys
    import time

    ingest_table(
        workspace, write("p.csv", GOOD_CSV), dataset="people", detector=detector, contract=contract
    )
    big = tmp_path / "big.csv"
    duckdb.connect().execute(
        f"COPY (SELECT CASE WHEN i % 2 = 0 THEN 'acme' ELSE 'globex' END AS tenant_id, "
        f"i AS id, 'n' || i AS name, i * 0.5 AS score, TIMESTAMP '2026-11-01' AS updated_at "
        f"FROM range(3000000) t(i)) TO '{big}' (FORMAT CSV, HEADER)"
    )
    contract_file = tmp_path / "c.yaml"
    contract_file.write_text(contract.to_yaml(), encoding="utf-8")
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from cli import main; main()",
            "ingest",
            "table",
            str(big),
            "--dataset",
            "people",
            "--contract",
            str(contract_file),
            "--home",
            str(workspace.home),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        if _staged_bytes(workspace.dataset_dir("people")) > 0:  # rows are being written
            break
        time.sleep(0.05)
    assert child.poll() is None, "the ingest ended before it could be killed mid-run"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert Catalog(workspace.catalog_path).dataset("people").current.version == "v1"  # type: ignore[union-attr]
    assert len(rows(workspace, "people")) == 3
    more = GOOD_CSV + "globex,4,Dee,4.5,2026-11-04 10:00:00\n"
    report = ingest_table(
        workspace, write("p.csv", more), dataset="people", detector=detector, contract=contract
    )
    assert report.run.version == "v2"
    assert not list(workspace.dataset_dir("people").glob(".*.staging.duckdb*"))


def _staged_bytes(directory: Path) -> int:
    """Bytes written to the run's staging files so far (0 until the load has begun writing)."""
    total = 0
    for path in directory.glob(".*.staging.duckdb*"):
        try:
            total += path.stat().st_size
        except FileNotFoundError:  # renamed or removed between glob and stat
            continue
    return total
