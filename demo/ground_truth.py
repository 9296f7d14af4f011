"""What the demo must never leak: every PII value and salary, per tenant.

Leakage tests and evals search responses for these canaries, e.g. "nothing of globex's appears
in anything served to alice" or "no raw email reaches the assistant". They are regenerated from
the seed, not read back from files, so they are the truth even if an ingest mangled a file.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from demo.data import TENANTS, generate_demo_data


class TenantCanaries(BaseModel):
    """One tenant's sensitive values."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    customer_names: frozenset[str]
    customer_emails: frozenset[str]
    customer_phones: frozenset[str]
    employee_names: frozenset[str]
    salaries: frozenset[Decimal]

    @property
    def pii(self) -> frozenset[str]:
        """Every name, email and phone of the tenant (customers and employees)."""
        return (
            self.customer_names | self.customer_emails | self.customer_phones | self.employee_names
        )


class DemoGroundTruth(BaseModel):
    """Canaries per tenant of the demo built from ``seed``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int
    tenants: dict[str, TenantCanaries]

    def other_tenants_pii(self, tenant: str) -> frozenset[str]:
        """PII of every tenant except ``tenant``: none of it may reach that tenant's users."""
        return frozenset().union(*(c.pii for name, c in self.tenants.items() if name != tenant))


def demo_ground_truth(*, seed: int = 7) -> DemoGroundTruth:
    """The canaries of the demo that ``write_demo_sources(seed=seed)`` writes."""
    tables = generate_demo_data(seed=seed).tables
    tenants = {}
    for tenant in TENANTS:
        customers = [row for row in tables["customers"] if row["tenant_id"] == tenant]
        employees = [row for row in tables["hr_salaries"] if row["tenant_id"] == tenant]
        tenants[tenant] = TenantCanaries(
            customer_names=frozenset(str(row["full_name"]) for row in customers),
            customer_emails=frozenset(str(row["email"]) for row in customers),
            customer_phones=frozenset(str(row["phone"]) for row in customers),
            employee_names=frozenset(str(row["full_name"]) for row in employees),
            salaries=frozenset(Decimal(str(row["salary"])) for row in employees),
        )
    return DemoGroundTruth(seed=seed, tenants=tenants)
