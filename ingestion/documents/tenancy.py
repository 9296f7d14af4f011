"""How a collection's documents get their tenant, and what one run may do about it.

No document is ever tenantless: its tenant comes from the operator (``--tenant``), from its
front matter, or from a path rule the collection declares; documents for every tenant are an
explicit operator choice (``--all-tenants``), recorded per document. Front matter is written by
untrusted people, so it can only repeat the operator's tenant, never choose another.

A collection records its ``Tenancy`` on its first published run. A later run that contradicts
it (no ``--tenant`` for a collection whose tenant comes from the operator, ``--all-tenants``
for a per-tenant collection, …) is refused before anything is read, with a message saying what
to pass: the alternative, failing every document one by one, would withdraw them all.

A collection published by an older hqg has no recorded tenancy (``legacy``). Guessing the
``front_matter`` rule for it fails (and withdraws) every document without a ``tenant:``, so a
run over it must say the rule once, with a flag; until then the run is refused with one message
naming every flag that would do.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from hqg.errors import IngestError
from ingestion.documents.identity import check_tenant


class Tenancy(StrEnum):
    """Where a collection's documents get their tenant."""

    OPERATOR = "operator"  # every run names it (--tenant)
    FRONT_MATTER = "front_matter"  # each document names it; a run may pin one (--tenant)
    PATH = "path"  # the first directory under the collection root; a run may pin one
    ALL_TENANTS = "all_tenants"  # every document is for every tenant (--all-tenants)


class RunTenancy(BaseModel):
    """One run's tenancy: the collection's rule and the tenant the operator pinned, if any.

    A run with a ``tenant`` acts for that tenant only: it publishes, replaces, fails and
    deletes only documents of that tenant, whatever else lies in the directory it reads.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Tenancy
    tenant: str | None = None

    def owns(self, tenant: str | None, *, all_tenants: bool) -> bool:
        """Whether this run may replace or delete a document recorded with this tenancy."""
        if self.mode is Tenancy.ALL_TENANTS:
            return all_tenants
        if all_tenants:
            return False
        return self.tenant is None or tenant == self.tenant


def run_tenancy(
    recorded: Tenancy | None,
    *,
    collection: str,
    tenant: str | None,
    all_tenants: bool,
    declared: Tenancy | None,
    legacy: bool = False,
) -> RunTenancy:
    """This run's tenancy, or an ``IngestError`` saying how the run contradicts the collection.

    ``declared`` is the rule the operator names for the collection (needed only to choose
    ``path``); without it a first run's rule follows its flags: ``--all-tenants`` → all
    tenants, ``--tenant`` → operator, neither → front matter. ``legacy``: the collection exists
    but recorded no rule (an older hqg): neither flag is then refused (see the module).
    """
    if tenant is not None:
        check_tenant(tenant, where="--tenant")
    if all_tenants and tenant is not None:
        raise IngestError("--tenant and --all-tenants contradict each other; pass one")
    if declared is None and all_tenants:
        declared = Tenancy.ALL_TENANTS
    if legacy and recorded is None and declared is None and tenant is None:
        raise IngestError(upgrade_message(collection))
    first = Tenancy.OPERATOR if tenant is not None else Tenancy.FRONT_MATTER
    mode = recorded or declared or first
    if declared is not None and declared is not mode:
        raise IngestError(
            f"collection {collection!r} takes its tenants by {mode.value!r}, "
            f"not {declared.value!r}; a collection's tenancy never changes"
        )
    if mode is Tenancy.ALL_TENANTS and not all_tenants:
        raise IngestError(
            f"collection {collection!r} holds documents for every tenant: pass --all-tenants "
            "(and no --tenant) to ingest into it"
        )
    if mode is Tenancy.OPERATOR and tenant is None:
        raise IngestError(
            f"collection {collection!r} takes each run's tenant from the operator: pass --tenant"
        )
    return RunTenancy(mode=mode, tenant=tenant)


def upgrade_message(collection: str) -> str:
    """What the operator must pass, once, to re-ingest a collection of an older hqg."""
    return (
        f"collection {collection!r} was published by an older hqg, which did not record how "
        "its documents get their tenant; say it once with a flag on this run (it is then "
        "recorded): --tenant T (every document is tenant T's), --tenancy path (the first "
        "directory under the root names the tenant), --tenancy front_matter (each document's "
        "'tenant:'; documents without one fail), or --all-tenants (for every tenant). Nothing "
        "was read or withdrawn."
    )
