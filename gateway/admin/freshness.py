"""Data freshness for the console: every dataset and collection, its version, its age against
its SLA, a stale flag and what ingest quarantined.

Metadata only (catalog rows and counts, never values), for the security team and stewards;
the console's ``console.freshness`` action decides who may see it.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from gateway.service import Gateway
from ingestion.documents.catalog import DocStatus
from ingestion.vectors.versions import current_version
from retrieval.provenance import age_text, freshness_of


class FreshnessRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str  # dataset | collection
    name: str
    version: str | None
    as_of: datetime | None
    age: str | None
    sla: str | None
    stale: bool
    stale_items: int  # collections: documents past the SLA
    quarantined: int  # datasets: rows of the latest run; collections: documents held back


def freshness_rows(gateway: Gateway, *, now: datetime) -> list[FreshnessRow]:
    """Datasets first, then collections, each by name."""
    rows = []
    for name, dataset in sorted(gateway.datasets().items()):
        fresh = freshness_of(dataset, now=now)
        runs = gateway.catalog.runs(name)
        rows.append(
            FreshnessRow(
                kind="dataset",
                name=name,
                version=dataset.current.version if dataset.current else None,
                as_of=fresh.as_of,
                age=fresh.age,
                sla=fresh.sla,
                stale=fresh.stale,
                stale_items=int(fresh.stale),
                quarantined=runs[-1].rows_quarantined if runs else 0,
            )
        )
    for record in gateway.documents.collections():
        documents = [
            d for d in gateway.documents.documents(record.name) if d.status != DocStatus.DELETED
        ]
        sla = record.default_freshness_sla
        dated = [d.as_of for d in documents if d.as_of is not None]
        newest = max(dated, default=None)
        stale = [t for t in dated if sla is not None and (now - t).total_seconds() > sla]
        rows.append(
            FreshnessRow(
                kind="collection",
                name=record.name,
                version=current_version(gateway.workspace.vectors_dir, record.name),
                as_of=newest,
                age=age_text((now - newest).total_seconds()) if newest else None,
                sla=age_text(sla) if sla is not None else None,
                stale=bool(stale),
                stale_items=len(stale),
                quarantined=sum(d.status == DocStatus.QUARANTINED for d in documents),
            )
        )
    return rows
