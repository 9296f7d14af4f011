"""Free text in an untagged table column (issue 20, item 7): ingest warns, and contract inference
tags it ``free_text`` so its PII is found once and masked on read."""

from __future__ import annotations

from pathlib import Path

from ingestion.catalog import Catalog
from ingestion.contracts import parse_contract
from ingestion.pii_tagging import column_pii
from ingestion.tables import ingest_table
from ingestion.workspace import Workspace
from privacy.detector import PresidioDetector
from tests.ingestion.conftest import BASE_CONTRACT

SUBJECTS = [
    "Refund for the order Michael Brown placed",
    "Damaged kettle, please call 713-555-0115",
    "Where is my parcel?",
    "Invoice question from jane.doe@example.com",
    "Wrong size delivered",
]


def _csv(tmp_path: Path, header: str, rows: list[str]) -> Path:
    path = tmp_path / "src" / "t.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_an_untagged_text_column_holding_pii_in_free_text_is_reported(
    tmp_path: Path, detector: PresidioDetector
) -> None:
    contract = parse_contract(
        {
            **BASE_CONTRACT,
            "columns": [*BASE_CONTRACT["columns"], {"name": "subject", "type": "VARCHAR"}],
        },
        source="test",
    )
    rows = [f'acme,{i},A,1.0,2026-11-01,"{s}"' for i, s in enumerate(SUBJECTS, start=1)]
    source = _csv(tmp_path, "tenant_id,id,name,score,updated_at,subject", rows)
    workspace = Workspace.create(tmp_path / "home")
    report = ingest_table(workspace, source, dataset="people", detector=detector, contract=contract)
    (warning,) = [w for w in report.warnings if "'subject'" in w]
    assert "free text" in warning
    assert "PERSON" in warning or "EMAIL_ADDRESS" in warning
    for value in ("Michael", "jane", "555"):
        assert value not in warning


def test_inference_tags_free_text_holding_pii(tmp_path: Path, detector: PresidioDetector) -> None:
    rows = [f'{i},"{s}",{i * 1.5}' for i, s in enumerate(SUBJECTS, start=1)]
    source = _csv(tmp_path, "id,subject,amount", rows)
    workspace = Workspace.create(tmp_path / "home")
    ingest_table(workspace, source, dataset="tickets", detector=detector)
    contract = Catalog(workspace.catalog_path).dataset("tickets").contract
    assert contract is not None
    assert contract.column("subject").is_free_text  # type: ignore[union-attr]


def test_plain_labels_and_dates_are_not_free_text_pii(detector: PresidioDetector) -> None:
    found = column_pii(["open", "closed", "pending", "2026-11-01 delivered"], detector)
    assert found.tag is None
