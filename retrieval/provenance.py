"""Provenance and freshness: where an answer came from, and how old it is versus its SLA.

Attached to every response so a consumer (human or model) can cite, and can tell stale data
from current data.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from hqg.refs import DatasetRef
from ingestion.catalog import Dataset
from ingestion.contracts import format_duration


class ChunkRef(BaseModel):
    """A document chunk as read (hybrid SQL): which version of which text, and how fresh."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    collection: str
    doc_id: str
    chunk_id: str
    doc_version: int
    source: str
    start: int
    end: int
    content_hash: str
    as_of: datetime
    sla_seconds: float
    stale: bool


class Freshness(BaseModel):
    """Age of a dataset's serving version against its freshness SLA."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dataset: str
    as_of: datetime | None
    age_seconds: float | None
    sla_seconds: float
    age: str | None  # human form, e.g. "3d"
    sla: str
    stale: bool


class Provenance(BaseModel):
    """How a result was produced: the SQL as submitted and as executed, the versions read, and
    the policy decision that governed it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sql_submitted: str | None = None
    sql_executed: str | None = None
    datasets: tuple[DatasetRef, ...] = ()
    chunks: tuple[ChunkRef, ...] = ()
    decision_id: str
    policy_hash: str
    policy_engine: str


def dataset_ref(dataset: Dataset) -> DatasetRef | None:
    current = dataset.current
    if current is None:
        return None
    return DatasetRef(
        name=dataset.name,
        version=current.version,
        as_of=current.as_of,
        content_hash=current.content_hash,
    )


def freshness_of(dataset: Dataset, *, now: datetime) -> Freshness:
    """Freshness of the serving version; a dataset with no version is stale."""
    sla = dataset.contract.freshness_sla
    current = dataset.current
    age = current.age(now) if current else None
    return Freshness(
        dataset=dataset.name,
        as_of=current.as_of if current else None,
        age_seconds=age,
        sla_seconds=sla.total_seconds(),
        age=age_text(age) if age is not None else None,
        sla=format_duration(sla),
        stale=dataset.is_stale(now),
    )


def age_text(seconds: float) -> str:
    """An age in its largest whole unit ("3d", "5h", "12m", "40s"): the one spelling of
    ``Freshness.age`` for tables and for the chunks a hybrid query read."""
    whole = max(int(seconds), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if whole >= size:
            return f"{whole // size}{unit}"
    return f"{whole}s"
