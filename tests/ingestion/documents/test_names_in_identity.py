"""A person's name in a file name or front-matter id is withheld behind a safe id: the id, the
source in every citation and the catalog never show it, the document is still indexed, and only
the operator's terminal sees the file's own name. The real PII detector decides."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from cli.ingest import print_doc_report
from ingestion.documents.catalog import DocumentCatalog
from ingestion.documents.identity_names import WITHHELD_PREFIX, spoken
from ingestion.documents.report import Action
from ingestion.documents.tenancy import Tenancy
from ingestion.workspace import Workspace
from tests.ingestion.documents.conftest import Ingest, MemoryIndex

Put = Callable[[str, "str | bytes"], Path]
BODY = "# Complaint\n\nThe parcel arrived late and the box was damaged.\n"
NAMED_FILES = {
    "kebab case": ("tickets/jane-doe-complaint.md", "Jane Doe"),
    "snake case": ("tickets/maria_garcia.md", "Maria Garcia"),
    "camel case": ("tickets/PaulSmithRefund.md", "Paul Smith"),
    "name in a directory": ("tickets/kim-lee/ticket-0001.md", "Kim Lee"),
    "dotted": ("tickets/complaint.from.jane.doe.md", "Jane Doe"),
}


def _leaks(text: str, name: str) -> bool:
    folded = text.lower().replace("-", " ").replace("_", " ").replace(".", " ")
    return name.lower() in folded or name.replace(" ", "").lower() in text.lower()


@pytest.mark.parametrize(("path", "name"), NAMED_FILES.values(), ids=NAMED_FILES.keys())
def test_a_name_in_a_file_name_is_withheld_everywhere_it_is_stored_or_served(
    path: str, name: str, put: Put, ingest: Ingest, index: MemoryIndex, workspace: Workspace
) -> None:
    put(path, BODY)
    put("tickets/ticket-0002.md", BODY)
    report = ingest()

    assert report.count(Action.ADDED) == 2
    named = next(o for o in report.outcomes if o.shown == path)
    assert WITHHELD_PREFIX in named.source
    assert named.doc_id is not None
    assert WITHHELD_PREFIX in named.doc_id
    assert any("person's name" in warning for warning in named.warnings)
    for point in index.points("handbook"):
        served = json.dumps({k: v for k, v in point.payload.items()}, default=str)
        assert not _leaks(served, name)
    catalog = DocumentCatalog(workspace.catalog_path)
    for record in catalog.documents("handbook"):
        assert not _leaks(f"{record.doc_id} {record.source} {record.title}", name)
    (run,) = catalog.runs("handbook")
    assert not _leaks(run.model_dump_json(), name)
    # the untouched file keeps its readable id
    assert "acme/tickets/ticket-0002.md" in {o.doc_id for o in report.outcomes}


IDENTIFIER_FILES = {
    "e-mail": ("tickets/jane.doe@example.com.md", "jane.doe@example.com"),
    "phone": ("tickets/call-303-555-0148.md", "303-555-0148"),
    "card in a directory": ("tickets/4111 1111 1111 1111/receipt.md", "4111 1111 1111 1111"),
    "ssn": ("tickets/ssn 078-05-1120.md", "078-05-1120"),
}


@pytest.mark.parametrize(("path", "value"), IDENTIFIER_FILES.values(), ids=IDENTIFIER_FILES.keys())
def test_an_identifier_in_a_path_is_withheld_before_the_report_or_catalog_records_it(
    path: str, value: str, put: Put, ingest: Ingest, workspace: Workspace
) -> None:
    put(path, BODY)
    report = ingest()
    (outcome,) = report.outcomes
    assert outcome.shown == path  # the operator's terminal only
    assert WITHHELD_PREFIX in outcome.source
    stored = outcome.model_dump_json(exclude={"shown"})
    catalog = DocumentCatalog(workspace.catalog_path)
    stored += " ".join(r.model_dump_json() for r in catalog.documents("handbook"))
    stored += " ".join(run.model_dump_json() for run in catalog.runs("handbook"))
    digits = "".join(ch for ch in value if ch.isdigit())
    assert value not in stored
    assert not digits or digits not in "".join(ch for ch in stored if ch.isdigit())


def test_the_operator_terminal_shows_the_files_own_name(put: Put, ingest: Ingest) -> None:
    put("tickets/jane-doe-complaint.md", BODY)
    report = ingest()
    console = Console(record=True, width=200)
    print_doc_report(console, report)
    assert "jane-doe-complaint.md" in console.export_text()


def test_a_withheld_id_is_stable_so_a_second_run_changes_nothing(put: Put, ingest: Ingest) -> None:
    put("tickets/jane-doe-complaint.md", BODY)
    first = ingest()
    second = ingest()
    assert [o.action for o in second.outcomes] == [Action.UNCHANGED]
    assert second.outcomes[0].doc_id == first.outcomes[0].doc_id


def test_a_name_in_a_front_matter_id_is_withheld(
    put: Put, ingest: Ingest, index: MemoryIndex
) -> None:
    put("tickets/t1.md", "---\nid: tyler-west-refund\n---\n" + BODY)
    (outcome,) = ingest().outcomes
    assert outcome.action is Action.ADDED
    assert outcome.doc_id is not None
    assert outcome.doc_id.startswith(f"acme/{WITHHELD_PREFIX}")
    assert all("tyler" not in str(p.payload["doc_id"]).lower() for p in index.points("handbook"))


@pytest.mark.parametrize(
    "path", ["refunds.md", "shipping-policy.md", "tickets/ticket-0201.md", "readme.md"]
)
def test_ordinary_file_names_keep_their_ids(path: str, put: Put, ingest: Ingest) -> None:
    """Positive control: one capitalised word (``Readme``) is not a name."""
    put(path, BODY)
    (outcome,) = ingest().outcomes
    assert outcome.doc_id == f"acme/{path}"
    assert outcome.shown is None


def test_file_names_are_spoken_before_detection() -> None:
    assert spoken("jane-doe_complaint") == "Jane Doe Complaint"
    assert spoken("PaulSmithRefund") == "Paul Smith Refund"
    assert spoken("ticket0201") == "Ticket 0201"


def test_in_a_path_collection_the_tenant_directory_is_never_withheld(
    put: Put, ingest: Ingest
) -> None:
    """A tenant named like a person (``kim-lee``) is a tenant: its documents keep their
    tenant; the name inside a file name under it is still withheld."""
    put("kim-lee/maria-garcia.md", BODY)
    (outcome,) = ingest(tenancy=Tenancy.PATH).outcomes
    assert outcome.action is Action.ADDED
    assert outcome.doc_id is not None
    assert outcome.doc_id.startswith(f"kim-lee/{WITHHELD_PREFIX}")
