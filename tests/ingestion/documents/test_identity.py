"""Document identity is owned: a file replaces or deletes only its own document, ids are
namespaced by tenant, tenancy is explicit and recorded, and a contradicting run is refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hqg.errors import IngestError
from ingestion.documents.catalog import DocStatus, DocumentCatalog
from ingestion.documents.identity import is_safe_id, namespaced
from ingestion.documents.report import Action
from ingestion.documents.tenancy import Tenancy
from ingestion.workspace import Workspace
from tests.ingestion.documents.conftest import Ingest, MemoryIndex

Put = Callable[[str, "str | bytes"], Path]


def _texts(index: MemoryIndex, doc_id: str) -> str:
    return " ".join(p.text for p in index.points("handbook") if p.payload["doc_id"] == doc_id)


def _doc(front: str, body: str) -> str:
    return f"---\n{front}\n---\n# Ticket\n\n{body}\n"


def test_a_tenants_file_cannot_name_another_tenants_document(
    put: Put, docs: Path, ingest: Ingest, index: MemoryIndex
) -> None:
    put("globex/t.md", _doc("id: globex/ticket-0201", "The real globex ticket."))
    ingest(docs / "globex", tenant="globex")
    put("acme/evil.md", _doc("id: globex/ticket-0201", "Attacker text for globex."))
    report = ingest(docs / "acme", tenant="acme")
    assert report.outcomes[0].doc_id == "acme/globex/ticket-0201"
    assert "real globex ticket" in _texts(index, "globex/ticket-0201")
    assert "Attacker" not in _texts(index, "globex/ticket-0201")
    again = ingest(docs / "globex", tenant="globex")
    assert [o.action for o in again.outcomes] == [Action.UNCHANGED]


def test_within_a_tenant_a_file_cannot_replace_another_files_document(
    put: Put, docs: Path, ingest: Ingest, index: MemoryIndex, workspace: Workspace
) -> None:
    put("a.md", _doc("id: ticket-0002", "Customer one's ticket."))
    ingest(docs / "a.md")
    put("b.md", _doc("id: acme/ticket-0002", "Customer two overwrites."))
    report = ingest(docs / "b.md")
    (outcome,) = report.outcomes
    assert outcome.action is Action.FAILED
    assert "belongs to another file" in outcome.reasons[0]
    assert "Customer one" in _texts(index, "acme/ticket-0002")
    assert "Customer two" not in _texts(index, "acme/ticket-0002")
    record = DocumentCatalog(workspace.catalog_path).document("handbook", "acme/ticket-0002")
    assert record is not None
    assert record.source_path == str(docs / "a.md")


def test_in_one_run_the_later_claimant_of_an_id_fails_and_the_first_is_kept(
    put: Put, ingest: Ingest, index: MemoryIndex
) -> None:
    put("a.md", _doc("id: shared", "First."))
    put("b.md", _doc("id: acme/shared", "Second."))
    report = ingest()
    actions = {o.source: o.action for o in report.outcomes}
    assert actions == {"a.md": Action.ADDED, "b.md": Action.FAILED}
    assert "First." in _texts(index, "acme/shared")


def test_a_failing_file_never_withdraws_a_document_of_the_same_name(
    put: Put, docs: Path, ingest: Ingest, index: MemoryIndex
) -> None:
    put("x.md", _doc("id: notes.txt", "Owned by x."))
    ingest(docs / "x.md")
    put("notes.txt", b"\xff\xfe not utf-8")
    report = ingest(docs / "notes.txt")
    assert report.outcomes[0].action is Action.FAILED
    assert "Owned by x." in _texts(index, "acme/notes.txt")


def test_a_document_without_a_tenant_is_refused(put: Put, ingest: Ingest) -> None:
    put("a.md", _doc("title: A", "No tenant anywhere."))
    put("b.md", _doc("tenant: globex", "Tenant from front matter."))
    report = ingest(tenancy=Tenancy.FRONT_MATTER)
    outcome = {o.source: o for o in report.outcomes}
    assert outcome["a.md"].action is Action.FAILED
    assert "no tenant" in outcome["a.md"].reasons[0]
    assert outcome["b.md"].action is Action.ADDED
    assert outcome["b.md"].doc_id == "globex/b.md"


def test_documents_for_every_tenant_are_explicit_and_recorded_per_document(
    put: Put, ingest: Ingest, index: MemoryIndex, workspace: Workspace
) -> None:
    put("guide.md", "# Guide\n\nFor everyone.\n")
    report = ingest(all_tenants=True)
    assert report.outcomes[0].doc_id == "_all/guide.md"
    (point,) = index.points("handbook")
    assert (point.payload["tenant"], point.payload["all_tenants"]) == (None, 1)
    record = DocumentCatalog(workspace.catalog_path).document("handbook", "_all/guide.md")
    assert record is not None
    assert record.all_tenants is True
    with pytest.raises(IngestError, match="pass --all-tenants"):
        ingest()  # the fixture's --tenant acme contradicts the collection
    assert len(index.points("handbook")) == 1


def test_a_tenant_document_is_not_for_every_tenant(
    ingest: Ingest, put: Put, index: MemoryIndex
) -> None:
    put("a.md", "# A\n\nbody\n")
    ingest()
    assert {p.payload["all_tenants"] for p in index.points("handbook")} == {0}


def test_the_operators_tenant_does_not_stick_to_the_collection(
    put: Put, docs: Path, ingest: Ingest, index: MemoryIndex
) -> None:
    put("acme/a.md", _doc("tenant: acme", "Acme page."))
    put("globex/g.md", _doc("tenant: globex", "Globex page."))
    ingest(tenancy=Tenancy.FRONT_MATTER)
    ingest(docs / "acme", tenant="acme")
    report = ingest(tenancy=Tenancy.FRONT_MATTER)
    assert {o.action for o in report.outcomes} == {Action.UNCHANGED}
    assert "Globex page." in _texts(index, "globex/g.md")


def test_a_run_pinned_to_a_tenant_leaves_other_tenants_documents_alone(
    put: Put, ingest: Ingest, index: MemoryIndex
) -> None:
    put("acme/a.md", _doc("tenant: acme", "Acme page."))
    put("globex/g.md", _doc("tenant: globex", "Globex page."))
    ingest(tenancy=Tenancy.FRONT_MATTER)
    (put_path := put("acme/a.md", _doc("tenant: acme", "Acme page, edited.")))
    assert put_path.exists()
    report = ingest(tenant="acme")
    outcome = {o.source: o for o in report.outcomes}
    assert outcome["acme/a.md"].action is Action.UPDATED
    assert outcome["globex/g.md"].action is Action.FAILED
    assert "another tenant" in outcome["globex/g.md"].reasons[0]
    assert "Globex page." in _texts(index, "globex/g.md")


def test_a_run_that_contradicts_the_collection_is_an_error_not_a_mass_withdrawal(
    put: Put, ingest: Ingest, index: MemoryIndex, workspace: Workspace
) -> None:
    put("a.md", "# A\n\nbody\n")
    put("b.md", "# B\n\nbody\n")
    ingest()  # --tenant acme: the collection takes its tenant from the operator
    with pytest.raises(IngestError, match="pass --tenant"):
        ingest(tenant=None)
    assert len(index.points("handbook")) == 2
    collection = DocumentCatalog(workspace.catalog_path).collection("handbook")
    assert collection is not None
    assert collection.tenancy is Tenancy.OPERATOR


def test_a_path_collection_takes_the_tenant_from_the_directory(
    put: Put, ingest: Ingest, index: MemoryIndex
) -> None:
    put("acme/a.md", "# A\n\nacme body\n")
    put("globex/b.md", "---\ntenant: acme\n---\n# B\n\nclaims acme from globex's folder\n")
    put("loose.md", "# Loose\n\nno tenant directory\n")
    report = ingest(tenancy=Tenancy.PATH)
    outcome = {o.source: o for o in report.outcomes}
    assert outcome["acme/a.md"].doc_id == "acme/a.md"
    assert outcome["globex/b.md"].action is Action.FAILED
    assert outcome["loose.md"].action is Action.FAILED
    assert {p.payload["tenant"] for p in index.points("handbook")} == {"acme"}


@pytest.mark.parametrize(
    "name",
    ["line\nbreak.md", "ansi\x1b[31m.md", "bidi\u202etxt.md", "[link=http://x]a[/link].md"],
)
def test_a_file_name_outside_the_safe_alphabet_never_becomes_an_id(
    put: Put, ingest: Ingest, index: MemoryIndex, name: str
) -> None:
    put(name, "# Name\n\nbody\n")
    put("fine name.md", "# Fine\n\nbody\n")
    report = ingest()
    skipped = [o for o in report.outcomes if o.action is Action.SKIPPED]
    assert len(skipped) == 1
    assert "safe id alphabet" in skipped[0].reasons[0]
    assert all(ord(c) < 127 and c.isprintable() for c in skipped[0].source)
    assert {p.payload["doc_id"] for p in index.points("handbook")} == {"acme/fine name.md"}


def test_ids_are_namespaced_by_tenant_and_checked_against_the_safe_alphabet() -> None:
    assert namespaced("globex/x", tenant="acme") == "acme/globex/x"
    assert namespaced("acme/x", tenant="acme") == "acme/x"
    assert namespaced("x", tenant=None) == "_all/x"
    for bad in ("a/../b", "", "a\nb", "a\u202eb", "x@example.com", "/abs", "a//b", " a"):
        assert not is_safe_id(bad), bad
    assert is_safe_id("acme/ticket-0002 (copy).md")


def test_a_front_matter_id_outside_the_safe_alphabet_fails_the_document(
    put: Put, ingest: Ingest
) -> None:
    put("a.md", "---\nid: maria.gonzalez@example.com\n---\nbody\n")
    (outcome,) = ingest().outcomes
    assert outcome.action is Action.FAILED
    assert "maria" not in " ".join(outcome.reasons)


def test_failed_records_stay_in_their_own_namespace(
    put: Put, ingest: Ingest, workspace: Workspace
) -> None:
    put("a.md", b"\xff")
    ingest()
    (record,) = DocumentCatalog(workspace.catalog_path).documents("handbook")
    assert (record.doc_id, record.status) == ("_failed/a.md", DocStatus.FAILED)


def test_a_copied_workspace_keeps_its_root_and_its_documents_ownership(
    workspace: Workspace, ingest: Ingest, tmp_path: Path
) -> None:
    import shutil

    root = workspace.home / "docs"
    root.mkdir()
    (root / "a.md").write_text("# A\n\nbody\n", encoding="utf-8")
    ingest(root)
    copy = Workspace(tmp_path / "copy")
    shutil.copytree(workspace.home, copy.home)
    catalog = DocumentCatalog(copy.catalog_path)
    collection = catalog.collection("handbook")
    assert collection is not None
    assert collection.root == str(copy.home / "docs")
    (record,) = catalog.documents("handbook")
    assert record.source_path == str(copy.home / "docs" / "a.md")
