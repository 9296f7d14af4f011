"""Who may see a document: the ingest's defaults combined with what the document says.

The rules, chosen so a document can tighten its governance but never loosen it:

* **tenant** — by the collection's ``Tenancy`` (``tenancy.py``): the operator's ``--tenant``
  is authoritative; else the collection's path rule; else the front matter's. Front matter may
  only repeat a tenant the operator or the path gave (a file in acme's folder must not claim
  globex). No tenant at all refuses the document: nothing is ever served to every tenant by
  omission. A collection for every tenant takes no tenant from anyone.
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
from ingestion.documents.tenancy import RunTenancy, Tenancy


class Defaults(BaseModel):
    """The ingest's governance values, after falling back to the collection's defaults; the
    tenant is not among them: it never sticks to a collection (``RunTenancy``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    classification: Classification = Classification.INTERNAL
    labels: tuple[str, ...] = ()
    freshness_sla: timedelta | None = None


class Governance(BaseModel):
    """The effective values stored with every chunk of one document."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: str | None  # None only with all_tenants
    all_tenants: bool
    classification: Classification
    labels: tuple[str, ...]
    freshness_sla_seconds: int | None


def resolve_governance(
    front: FrontMatter,
    defaults: Defaults,
    *,
    source: str,
    tenancy: RunTenancy,
    path_tenant: str | None = None,
) -> Governance:
    """Combine as the module docstring says; a conflict is an ``IngestError`` for the document.

    ``path_tenant`` is the first directory of the document's path under the collection root
    (``None`` when it has none), used by a collection whose tenancy is ``path``."""
    tenant = _tenant(front, tenancy, path_tenant, source=source)
    classification = defaults.classification
    if front.classification is not None and front.classification.rank > classification.rank:
        classification = front.classification
    reserved = sorted(set(front.metadata) & RESERVED_KEYS)
    if reserved:
        raise IngestError(f"{source}: metadata uses reserved key(s): {', '.join(reserved)}")
    sla = front.freshness_sla or defaults.freshness_sla
    return Governance(
        tenant=tenant,
        all_tenants=tenant is None,
        classification=classification,
        labels=tuple(sorted(set(defaults.labels) | set(front.labels))),
        freshness_sla_seconds=int(sla.total_seconds()) if sla is not None else None,
    )


def _tenant(
    front: FrontMatter, tenancy: RunTenancy, path_tenant: str | None, *, source: str
) -> str | None:
    if tenancy.mode is Tenancy.ALL_TENANTS:
        if front.tenant is not None:
            raise IngestError(f"{source}: front matter names a tenant; the collection is for all")
        return None
    given = tenancy.tenant
    if tenancy.mode is Tenancy.PATH:
        if path_tenant is None and given is None:
            raise IngestError(f"{source}: not under a tenant directory of the collection root")
        if given is not None and path_tenant not in (None, given):
            raise IngestError(f"{source}: lies in another tenant's directory than the ingest's")
        given = given or path_tenant
    if front.tenant is not None and given is not None and front.tenant != given:
        raise IngestError(f"{source}: front matter names a different tenant than the ingest")
    tenant = given or front.tenant
    if tenant is None:
        raise IngestError(
            f"{source}: no tenant (none from the ingest, the front matter or a path rule)"
        )
    return tenant
