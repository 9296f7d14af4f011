"""The gateway's egress guard applies the catalog's known entities: a customer's name, e-mail
or phone that no stored span covers (a detector miss, or spans found by an older detector) is
still masked on the way out for a principal whose decision masks that type, and left alone for
one whose decision does not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.data import generate_demo_data
from gateway.access import collection_resource
from gateway.context import RequestContext
from gateway.egress import EgressGuard, for_collections
from gateway.service import Gateway
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from privacy.vault import PseudonymVault


@pytest.fixture(scope="module")
def served(demo_home: Path) -> Iterator[Gateway]:
    """The gateway as ``hqg serve`` builds it, egress finders included."""
    built = build_gateway(load_settings(home=demo_home))
    yield built
    built.close()


def _customers(tenant: str, count: int) -> list[dict[str, object]]:
    rows = generate_demo_data(seed=7).tables["customers"]
    return [row for row in rows if row["tenant_id"] == tenant][:count]


def _guard(gateway: Gateway, key: str) -> EgressGuard:
    ctx = RequestContext.create(gateway.principals.authenticate(key), purpose=None)
    records = gateway.documents.collections()
    decision = gateway.decide(
        ctx,
        action="search",
        collections=[collection_resource(r) for r in records if r.name == "tickets"],
    )
    assert decision.allow
    return for_collections(decision, vault=PseudonymVault(), finders=gateway.egress_finders)


@pytest.mark.parametrize("key", ["demo-alice", "demo-assistant"])
def test_known_customer_values_without_stored_spans_are_masked_at_egress(
    served: Gateway, key: str
) -> None:
    guard = _guard(served, key)
    for row in _customers("acme", 40) + _customers("globex", 10):
        values = [str(row["full_name"]), str(row["email"])]
        text = f"Ticket from {values[0]} ({values[1]}): the kettle arrived broken."
        released = guard.text(text)  # no stored spans: only the known-entity matcher finds them
        assert all(value.lower() not in released.lower() for value in values), released
        assert "kettle arrived broken" in released


def test_a_principal_who_may_see_pii_reads_the_values(served: Gateway) -> None:
    guard = _guard(served, "demo-dana")
    row = _customers("acme", 1)[0]
    text = f"Ticket from {row['full_name']}."
    assert guard.text(text) == text
