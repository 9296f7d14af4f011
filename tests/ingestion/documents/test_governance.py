from __future__ import annotations

from datetime import timedelta

import pytest

from hqg.errors import IngestError
from ingestion.contracts import Classification
from ingestion.documents.front_matter import parse_front_matter
from ingestion.documents.governance import Defaults, Governance, resolve_governance
from ingestion.documents.tenancy import RunTenancy, Tenancy, run_tenancy

DEFAULTS = Defaults(
    classification=Classification.CONFIDENTIAL,
    labels=("handbook",),
    freshness_sla=timedelta(days=7),
)
ACME_RUN = RunTenancy(mode=Tenancy.OPERATOR, tenant="acme")


def _resolve(
    front: dict[str, object],
    tenancy: RunTenancy = ACME_RUN,
    *,
    path_tenant: str | None = None,
) -> Governance:
    return resolve_governance(
        parse_front_matter(front, source="t"),
        DEFAULTS,
        source="t",
        tenancy=tenancy,
        path_tenant=path_tenant,
    )


def test_front_matter_can_raise_the_classification() -> None:
    governance = _resolve({"classification": "restricted"})
    assert governance.classification is Classification.RESTRICTED


def test_front_matter_cannot_lower_the_classification() -> None:
    governance = _resolve({"classification": "public"})
    assert governance.classification is Classification.CONFIDENTIAL


def test_labels_are_the_union_and_the_sla_comes_from_front_matter_first() -> None:
    governance = _resolve({"labels": "finance", "freshness_sla": "1d"})
    assert governance.labels == ("finance", "handbook")
    assert governance.freshness_sla_seconds == 86400
    assert _resolve({}).freshness_sla_seconds == 7 * 86400


def test_front_matter_may_only_repeat_the_operators_tenant() -> None:
    assert _resolve({"tenant": "acme"}).tenant == "acme"
    assert _resolve({}).tenant == "acme"
    with pytest.raises(IngestError, match="different tenant"):
        _resolve({"tenant": "globex"})


def test_front_matter_names_the_tenant_only_in_a_front_matter_collection() -> None:
    own = RunTenancy(mode=Tenancy.FRONT_MATTER)
    assert _resolve({"tenant": "globex"}, own).tenant == "globex"
    with pytest.raises(IngestError, match="no tenant"):
        _resolve({}, own)


def test_a_path_collection_takes_the_tenant_directory_and_front_matter_may_only_repeat_it() -> None:
    path = RunTenancy(mode=Tenancy.PATH)
    assert _resolve({}, path, path_tenant="globex").tenant == "globex"
    with pytest.raises(IngestError, match="different tenant"):
        _resolve({"tenant": "acme"}, path, path_tenant="globex")
    with pytest.raises(IngestError, match="not under a tenant directory"):
        _resolve({}, path)
    pinned = RunTenancy(mode=Tenancy.PATH, tenant="acme")
    with pytest.raises(IngestError, match="another tenant's directory"):
        _resolve({}, pinned, path_tenant="globex")


def test_documents_for_every_tenant_have_no_tenant_and_are_marked_so() -> None:
    everyone = RunTenancy(mode=Tenancy.ALL_TENANTS)
    governance = _resolve({}, everyone)
    assert (governance.tenant, governance.all_tenants) == (None, True)
    assert _resolve({}).all_tenants is False
    with pytest.raises(IngestError, match="names a tenant"):
        _resolve({"tenant": "acme"}, everyone)


@pytest.mark.parametrize(
    ("recorded", "tenant", "all_tenants", "declared", "message"),
    [
        (Tenancy.OPERATOR, None, False, None, "pass --tenant"),
        (None, "acme", True, None, "contradict"),
        (Tenancy.ALL_TENANTS, "acme", False, None, "pass --all-tenants"),
        (Tenancy.ALL_TENANTS, None, False, None, "pass --all-tenants"),
        (Tenancy.FRONT_MATTER, None, True, None, "never changes"),
        (Tenancy.PATH, None, False, Tenancy.FRONT_MATTER, "never changes"),
        (None, "Acme Corp", False, None, "a tenant is lower-case"),
    ],
)
def test_a_run_that_contradicts_the_collections_tenancy_is_refused(
    recorded: Tenancy | None,
    tenant: str | None,
    all_tenants: bool,
    declared: Tenancy | None,
    message: str,
) -> None:
    with pytest.raises(IngestError, match=message):
        run_tenancy(
            recorded, collection="c", tenant=tenant, all_tenants=all_tenants, declared=declared
        )


def test_a_first_runs_tenancy_follows_its_flags() -> None:
    def first(tenant: str | None, all_tenants: bool) -> Tenancy:
        scope = run_tenancy(
            None, collection="c", tenant=tenant, all_tenants=all_tenants, declared=None
        )
        return scope.mode

    assert first("acme", False) is Tenancy.OPERATOR
    assert first(None, True) is Tenancy.ALL_TENANTS
    assert first(None, False) is Tenancy.FRONT_MATTER


def test_metadata_may_not_shadow_a_payload_field() -> None:
    with pytest.raises(IngestError, match="reserved key"):
        _resolve({"metadata": {"all_tenants": True}})


def test_a_pinned_run_of_a_path_collection_gives_its_tenant_outside_tenant_directories() -> None:
    pinned = RunTenancy(mode=Tenancy.PATH, tenant="acme")
    assert _resolve({}, pinned).tenant == "acme"
    assert _resolve({}, pinned, path_tenant="acme").tenant == "acme"
