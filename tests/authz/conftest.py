"""The demo workspace's principals and contracts, as the gateway would hand them to policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from authz.bundle import load_bundle
from authz.regorus_engine import RegorusEngine
from gateway.identity import Principal
from ingestion.contracts import DatasetContract
from policies import bundle_dir

PolicyInput = dict[str, Any]


def _contract(name: str, classification: str, tenant: bool, columns: list[Any]) -> Any:
    cols = [{"name": "tenant_id", "type": "VARCHAR"}] if tenant else []
    cols += [{"name": n, "type": t, "tags": tags} for n, t, tags in columns]
    return DatasetContract(
        name=name,
        owner="demo",
        classification=classification,
        tenant_column="tenant_id" if tenant else None,
        columns=cols,
    )


CONTRACTS = {
    c.name: c
    for c in (
        _contract(
            "customers",
            "confidential",
            True,
            [
                ("customer_id", "BIGINT", []),
                ("name", "VARCHAR", ["pii:PERSON"]),
                ("email", "VARCHAR", ["pii:EMAIL_ADDRESS"]),
                ("phone", "VARCHAR", ["pii:PHONE_NUMBER"]),
                ("birth_date", "DATE", ["pii:DATE_TIME"]),
                ("gender", "VARCHAR", ["protected"]),
                ("country", "VARCHAR", []),
            ],
        ),
        _contract(
            "orders",
            "internal",
            True,
            [("order_id", "BIGINT", []), ("customer_id", "BIGINT", []), ("total", "DOUBLE", [])],
        ),
        _contract("products", "public", False, [("sku", "VARCHAR", []), ("price", "DOUBLE", [])]),
        _contract(
            "hr_salaries",
            "restricted",
            True,
            [("employee", "VARCHAR", ["pii:PERSON"]), ("salary", "DECIMAL(12,2)", [])],
        ),
    )
}

PRINCIPALS = {
    p.id: p
    for p in (
        Principal(
            id="alice",
            tenant="acme",
            roles=("analyst",),
            clearance="confidential",
            purposes=("analytics",),
            default_purpose="analytics",
        ),
        Principal(
            id="bob",
            tenant="acme",
            roles=("support",),
            clearance="confidential",
            purposes=("support", "analytics"),
            default_purpose="support",
        ),
        Principal(
            id="carol",
            tenant="globex",
            roles=("analyst",),
            clearance="confidential",
            purposes=("analytics",),
            default_purpose="analytics",
        ),
        Principal(
            id="dana",
            tenant=None,
            roles=("steward",),
            clearance="restricted",
            purposes=("stewardship", "analytics"),
            default_purpose="stewardship",
        ),
        Principal(
            id="assistant",
            tenant="acme",
            roles=("assistant",),
            clearance="confidential",
            purposes=("support", "analytics"),
            default_purpose="support",
            kind="service",
        ),
        Principal(
            id="sec",
            tenant=None,
            roles=("security",),
            clearance="internal",
            purposes=("security",),
            default_purpose="security",
        ),
    )
}


def build_input(
    principal: str, action: str, tables: tuple[str, ...], purpose: str | None = None
) -> PolicyInput:
    who = PRINCIPALS[principal]
    return {
        "principal": who.policy_input(),
        "action": action,
        "purpose": purpose or who.default_purpose,
        "resources": {
            "tables": [CONTRACTS[t].model_dump(mode="json") for t in tables],
            "collections": [],
        },
    }


@pytest.fixture
def policy_input() -> Callable[..., PolicyInput]:
    return build_input


@pytest.fixture(scope="module")
def engine() -> RegorusEngine:
    return RegorusEngine(load_bundle(bundle_dir()), cache_size=0)
