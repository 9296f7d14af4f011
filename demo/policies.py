"""Each demo tenant's store policies: the facts its handbook states and answers must quote.

The two tenants deliberately disagree on every fact (refund window, shipping, warranty, support
hours), so an answer or a retrieved chunk that carries the other tenant's fact is a detectable
cross-tenant leak. ``markers`` are the exact phrases the handbook uses for those facts; no
document of the other tenant contains any of them (a test holds the generator to that).
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class TenantFacts(BaseModel):
    """What one tenant's handbook says, as data for answer tests."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: str
    company: str
    refund_window_days: int
    store_credit_after_window: bool
    restocking_fee_percent: int
    free_shipping_over: Decimal | None
    flat_shipping_fee: Decimal | None
    delivery_business_days: tuple[int, int]
    warranty_months: int
    support_hours: str
    markers: tuple[str, ...]


def tenant_facts() -> dict[str, TenantFacts]:
    """A fresh mapping per call: the facts are constants, the dict is the caller's."""
    return {
        "acme": TenantFacts(
            tenant="acme",
            company="Acme",
            refund_window_days=30,
            store_credit_after_window=True,
            restocking_fee_percent=0,
            free_shipping_over=Decimal("50.00"),
            flat_shipping_fee=None,
            delivery_business_days=(3, 5),
            warranty_months=12,
            support_hours="Monday to Friday, 8 am to 8 pm Eastern Time",
            markers=(
                "Acme",
                "30 days",
                "store credit",
                "over $50",
                "3–5 business days",
                "12-month",
                "8 am to 8 pm",
            ),
        ),
        "globex": TenantFacts(
            tenant="globex",
            company="Globex",
            refund_window_days=14,
            store_credit_after_window=False,
            restocking_fee_percent=10,
            free_shipping_over=None,
            flat_shipping_fee=Decimal("7.95"),
            delivery_business_days=(2, 4),
            warranty_months=24,
            support_hours="every day, 9 am to 6 pm Central Time",
            markers=(
                "Globex",
                "14 days",
                "10% restocking fee",
                "$7.95",
                "2–4 business days",
                "24-month",
                "9 am to 6 pm",
            ),
        ),
    }
