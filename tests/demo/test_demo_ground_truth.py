"""The canaries: complete, disjoint between tenants, and safe to search for as substrings."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from demo import TENANTS, DemoGroundTruth, demo_ground_truth, write_demo_sources


@pytest.fixture(scope="module")
def truth() -> DemoGroundTruth:
    return demo_ground_truth()


def test_every_tenant_has_canaries_for_each_customer_and_employee(truth: DemoGroundTruth) -> None:
    assert set(truth.tenants) == set(TENANTS)
    for canaries in truth.tenants.values():
        assert len(canaries.customer_names) == 300
        assert len(canaries.customer_emails) == 300
        assert len(canaries.customer_phones) == 300
        assert len(canaries.employee_names) == 40
        assert canaries.salaries
        assert all(isinstance(s, Decimal) for s in canaries.salaries)


def test_canaries_match_the_written_files(truth: DemoGroundTruth, tmp_path: Path) -> None:
    sources = write_demo_sources(tmp_path, seed=truth.seed)
    path = sources.table("customers").data_path
    rows = (
        duckdb.connect()
        .execute(
            f"SELECT tenant_id, full_name, email, phone FROM read_csv('{path}', all_varchar = true)"
        )
        .fetchall()
    )
    for tenant, name, email, phone in rows:
        canaries = truth.tenants[tenant]
        assert name in canaries.customer_names
        assert email in canaries.customer_emails
        assert phone in canaries.customer_phones


def test_no_canary_is_shared_between_tenants(truth: DemoGroundTruth) -> None:
    acme, globex = (truth.tenants[t].pii for t in TENANTS)
    assert not acme & globex
    assert truth.other_tenants_pii("acme") == globex


def test_no_name_is_contained_in_another_name(truth: DemoGroundTruth) -> None:
    names = sorted(
        name.lower()
        for canaries in truth.tenants.values()
        for name in canaries.customer_names | canaries.employee_names
    )
    assert len(names) == 2 * (300 + 40)
    for name in names:
        assert [other for other in names if name in other] == [name]


def test_no_phone_number_repeats_in_another_spelling(truth: DemoGroundTruth) -> None:
    digits = [
        "".join(ch for ch in phone if ch.isdigit())[-10:]
        for canaries in truth.tenants.values()
        for phone in canaries.customer_phones
    ]
    assert len(digits) == len(set(digits))


def test_ground_truth_depends_on_the_seed() -> None:
    assert demo_ground_truth(seed=1) == demo_ground_truth(seed=1)
    assert demo_ground_truth(seed=1).tenants["acme"] != demo_ground_truth(seed=2).tenants["acme"]
