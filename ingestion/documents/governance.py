"""Who may see a document: the ingest's defaults combined with what the document says.

The rules, chosen so a document can tighten its governance but never loosen it:

* **tenant** — the ingest's tenant (``--tenant``, else the collection default) is authoritative.
  Front matter may name a tenant only when the ingest names none, or names the same one; a
  different tenant fails the document (a file in acme's folder must not claim globex).
* **classification** — the stricter of the ingest's (or collection default, else ``internal``)
  and the front matter's: a document can raise itself to ``restricted``, never lower itself.
* **labels** — the union of the ingest's labels and the front matter's.
* **freshness SLA** — front matter, else the ingest's (collection default); none means never
  stale.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict

from hqg.errors import IngestError
from ingestion.contracts import Classification
from ingestion.documents.front_matter import FrontMatter
from ingestion.documents.model import RESERVED_KEYS


class Defaults(BaseModel):
    """The ingest's governance values, after falling back to the collection's defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: str | None = None
    classification: Classification = Classification.INTERNAL
    labels: tuple[str, ...] = ()
    freshness_sla: timedelta | None = None


class Governance(BaseModel):
    """The effective values stored with every chunk of one document."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: str | None
    classification: Classification
    labels: tuple[str, ...]
    freshness_sla_seconds: int | None


def resolve_governance(front: FrontMatter, defaults: Defaults, *, source: str) -> Governance:
    """Combine as the module docstring says; a conflict is an ``IngestError`` for the document."""
    tenant = defaults.tenant
    if front.tenant is not None:
        if tenant is not None and front.tenant != tenant:
            raise IngestError(f"{source}: front matter names a different tenant than the ingest")
        tenant = front.tenant
    classification = defaults.classification
    if front.classification is not None and front.classification.rank > classification.rank:
        classification = front.classification
    reserved = sorted(set(front.metadata) & RESERVED_KEYS)
    if reserved:
        raise IngestError(f"{source}: metadata uses reserved key(s): {', '.join(reserved)}")
    sla = front.freshness_sla or defaults.freshness_sla
    return Governance(
        tenant=tenant,
        classification=classification,
        labels=tuple(sorted(set(defaults.labels) | set(front.labels))),
        freshness_sla_seconds=int(sla.total_seconds()) if sla is not None else None,
    )
