"""Upgrade path: a collection published by an older hqg recorded no tenancy. Re-ingesting it
without a flag is refused once, before anything is read, with a message naming the flags;
guessing ``front_matter`` would fail and withdraw every document without a ``tenant:``."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from hqg.errors import IngestError
from ingestion.documents.catalog import DocStatus, DocumentCatalog
from ingestion.documents.report import Action
from ingestion.documents.tenancy import Tenancy
from ingestion.workspace import Workspace
from tests.ingestion.documents.conftest import Ingest, MemoryIndex

Put = Callable[[str, "str | bytes"], Path]


def _as_published_by_an_older_hqg(workspace: Workspace) -> None:
    with sqlite3.connect(workspace.catalog_path) as con:
        con.execute("UPDATE collections SET tenancy = NULL")


@pytest.fixture
def legacy(put: Put, ingest: Ingest, workspace: Workspace) -> None:
    put("acme/refunds.md", "# Refunds\n\nRefunds take a week.\n")
    put("globex/shipping.md", "# Shipping\n\nParcels leave on Mondays.\n")
    ingest(tenancy=Tenancy.PATH)
    _as_published_by_an_older_hqg(workspace)


@pytest.mark.usefixtures("legacy")
def test_a_legacy_collection_without_a_flag_is_refused_once_naming_the_flags(
    ingest: Ingest, index: MemoryIndex, workspace: Workspace
) -> None:
    catalog = DocumentCatalog(workspace.catalog_path)
    before = catalog.documents("handbook")
    points = len(index.points("handbook"))

    with pytest.raises(IngestError) as refused:
        ingest(tenancy=None, tenant=None)

    message = refused.value.message
    for flag in ("--tenant", "--tenancy path", "--tenancy front_matter", "--all-tenants"):
        assert flag in message
    assert "older hqg" in message
    assert catalog.documents("handbook") == before
    assert all(r.status is DocStatus.INDEXED for r in before)
    assert len(index.points("handbook")) == points
    assert len(catalog.runs("handbook")) == 1  # the refused run read nothing


@pytest.mark.usefixtures("legacy")
def test_a_legacy_collection_ingested_with_a_tenancy_flag_records_it(
    ingest: Ingest, workspace: Workspace
) -> None:
    report = ingest(tenancy=Tenancy.PATH)
    assert {o.action for o in report.outcomes} == {Action.UNCHANGED}
    collection = DocumentCatalog(workspace.catalog_path).collection("handbook")
    assert collection is not None
    assert collection.tenancy is Tenancy.PATH
