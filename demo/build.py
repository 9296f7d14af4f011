"""``build_demo``: turn the demo sources into a ready workspace (tables, documents,
principals, marker)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from demo.documents import write_demo_documents
from demo.principals import demo_principals
from demo.sources import write_demo_sources
from gateway.components import Components
from gateway.principals import write_principals
from ingestion.contracts import Classification, load_contract
from ingestion.documents.catalog import DocumentCatalog
from ingestion.documents.pipeline import ingest_documents
from ingestion.documents.report import DocRunReport
from ingestion.documents.tenancy import Tenancy
from ingestion.tables import IngestReport, Progress, ingest_table
from ingestion.workspace import Workspace

#: How each demo collection's documents get their tenant: per-tenant collections from the
#: tenant directory each file lies in (``acme/…``; front matter may only repeat it), the
#: product guides explicitly for every tenant. Nothing is tenantless by omission.
COLLECTION_TENANCY = {
    "handbook": Tenancy.PATH,
    "tickets": Tenancy.PATH,
    "hr": Tenancy.PATH,
    "products": Tenancy.ALL_TENANTS,
}

#: Each demo collection's default classification (documents' front matter may only raise it).
COLLECTION_CLASSIFICATION = {
    "handbook": Classification.INTERNAL,
    "tickets": Classification.CONFIDENTIAL,
    "hr": Classification.RESTRICTED,
    "products": Classification.PUBLIC,
}


#: The datasets a demo collection's documents were written from (the tickets are the
#: ``support_tickets`` rows as documents): linked in the catalog for ``hqg policy check``.
COLLECTION_SOURCES = {"tickets": ("support_tickets",)}


class DemoBuild(BaseModel):
    """What the build did, table by table and collection by collection."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tables: tuple[IngestReport, ...]
    collections: tuple[DocRunReport, ...]


def build_demo(
    home: Path,
    *,
    components: Components,
    seed: int = 7,
    reference_time: datetime | None = None,
    injection_threshold: float = 0.5,
    progress: Progress | None = None,
) -> DemoBuild:
    """Build (or refresh) the demo workspace at ``home``.

    Data is generated relative to ``reference_time`` (default: today, midnight UTC) so the
    freshness story holds on any day: most datasets are fresh, the ones the demo plants as
    stale are stale. Same seed and day, same bytes, so a rebuild changes nothing.
    """
    workspace = Workspace.create(home)
    when = reference_time or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    sources = write_demo_sources(workspace.home / "demo-sources", seed=seed, reference_time=when)
    detector = components.pii.get()
    tables = tuple(
        ingest_table(
            workspace,
            table.data_path,
            dataset=table.name,
            detector=detector,
            contract=load_contract(table.contract_path),
            progress=progress,
        )
        for table in sources.tables
    )
    documents = write_demo_documents(workspace.home / "demo-docs", seed=seed, reference_time=when)
    collections = tuple(
        _ingest_collection(workspace, components, name, directory, injection_threshold, progress)
        for name, directory in sorted(documents.collections.items())
    )
    catalog = DocumentCatalog(workspace.catalog_path)
    for name, datasets in COLLECTION_SOURCES.items():
        catalog.link_sources(name, datasets)
    write_principals(workspace.principals_path, demo_principals())
    workspace.demo_marker.write_text(json.dumps({"seed": seed}), encoding="utf-8")
    return DemoBuild(tables=tables, collections=collections)


def _ingest_collection(
    workspace: Workspace,
    components: Components,
    name: str,
    directory: Path,
    threshold: float,
    progress: Progress | None,
) -> DocRunReport:
    return ingest_documents(
        workspace,
        directory,
        collection=name,
        detector=components.pii.get(),
        injection=components.document_injection(),
        embedder=components.embedder.get(),
        writer=components.writer,
        tenancy=COLLECTION_TENANCY[name],
        all_tenants=COLLECTION_TENANCY[name] is Tenancy.ALL_TENANTS,
        classification=COLLECTION_CLASSIFICATION[name],
        injection_threshold=threshold,
        progress=progress,
    )
