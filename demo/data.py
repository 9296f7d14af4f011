"""The demo's rows, generated deterministically from one seed and one reference time.

Randomness comes only from seeded instances (``Faker.seed_instance``, ``random.Random`` keyed by
seed, tenant and table), never from global state, so the same seed gives the same rows. Times
are drawn as offsets before ``reference_time``: the values that serve as canaries (names,
emails, phones, salaries) do not depend on it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from demo.orders import orders_rows, ticket_rows
from demo.people import PeopleFactory
from demo.values import Row, money, recent_or, seeded

TENANTS = ("acme", "globex")
DEMO_REFERENCE_TIME = datetime(2026, 11, 1, tzinfo=UTC)
CUSTOMERS_PER_TENANT = 300
EMPLOYEES_PER_TENANT = 40
PRODUCTS = 100
PRODUCTS_AGE = timedelta(days=3)

_ADJECTIVES = (
    "Classic", "Compact", "Deluxe", "Eco", "Ergo", "Nimbus", "Pro", "Smart", "Solar", "Ultra",
)  # fmt: skip
_NOUNS = {
    "Backpack": "outdoor", "Blender": "kitchen", "Headphones": "audio", "Kettle": "kitchen",
    "Lamp": "home", "Planter": "garden", "Speaker": "audio", "Tent": "outdoor",
    "Thermos": "outdoor", "Yoga Mat": "sports",
}  # fmt: skip
_TITLES = {
    "Support Agent": (42_000, 58_000),
    "Warehouse Associate": (36_000, 48_000),
    "Data Analyst": (70_000, 98_000),
    "Software Engineer": (95_000, 160_000),
    "Product Manager": (105_000, 150_000),
    "Marketing Lead": (80_000, 120_000),
    "Finance Controller": (90_000, 130_000),
    "Head of Operations": (130_000, 190_000),
}


@dataclass(frozen=True)
class DemoData:
    """Rows per table (columns in contract order) and who the customers and employees are."""

    tables: dict[str, tuple[Row, ...]]


def generate_demo_data(*, seed: int, reference_time: datetime = DEMO_REFERENCE_TIME) -> DemoData:
    """All demo rows; the same ``seed`` and ``reference_time`` always give the same rows."""
    people = PeopleFactory(seed=seed)
    customers: list[Row] = []
    for tenant in TENANTS:
        rng = seeded(seed, tenant, "customers")
        customers += _customers(tenant, people, rng, reference_time, first_id=len(customers) + 1)
    employees: list[Row] = []
    for tenant in TENANTS:
        rng = seeded(seed, tenant, "hr_salaries")
        employees += _employees(tenant, people, rng, first_id=len(employees) + 1)
    orders: list[Row] = []
    tickets: list[Row] = []
    for tenant in TENANTS:
        own = [c for c in customers if c["tenant_id"] == tenant]
        rng = seeded(seed, tenant, "orders")
        orders += orders_rows(tenant, own, rng, reference_time, first_id=len(orders) + 1)
        rng = seeded(seed, tenant, "support_tickets")
        mine = [o for o in orders if o["tenant_id"] == tenant]
        tickets += ticket_rows(tenant, own, mine, rng, reference_time, first_id=len(tickets) + 1)
    products = _products(seeded(seed, "products"), reference_time)
    return DemoData(
        tables={
            "products": tuple(products),
            "customers": tuple(customers),
            "orders": tuple(orders),
            "support_tickets": tuple(tickets),
            "hr_salaries": tuple(employees),
        }
    )


def _customers(
    tenant: str, people: PeopleFactory, rng: random.Random, now: datetime, *, first_id: int
) -> list[Row]:
    rows: list[Row] = []
    last_id = first_id + CUSTOMERS_PER_TENANT - 1
    for customer_id in range(first_id, last_id + 1):
        person = people.person()
        created = now - timedelta(seconds=rng.randint(86_400, 3 * 365 * 86_400))
        updated = max(created, now - recent_or(rng, 60 * 86_400, last=customer_id == last_id))
        age_days = rng.randint(18 * 365, 85 * 365)
        rows.append(
            {
                "tenant_id": tenant,
                "customer_id": customer_id,
                "full_name": person.full_name,
                "email": person.email,
                "phone": person.phone,
                "birth_date": now.date() - timedelta(days=age_days),
                "gender": person.gender,
                "city": _city(rng),
                "created_at": created,
                "updated_at": updated,
            }
        )
    return rows


def _city(rng: random.Random) -> str:
    return rng.choice(
        ("Austin", "Boston", "Chicago", "Denver", "Leeds", "Munich", "Portland", "Seattle")
    )


def _employees(
    tenant: str, people: PeopleFactory, rng: random.Random, *, first_id: int
) -> list[Row]:
    rows: list[Row] = []
    for employee_id in range(first_id, first_id + EMPLOYEES_PER_TENANT):
        person = people.person()
        title = rng.choice(sorted(_TITLES))
        low, high = _TITLES[title]
        rows.append(
            {
                "tenant_id": tenant,
                "employee_id": employee_id,
                "full_name": person.full_name,
                "title": title,
                "salary": money(rng.randint(low // 100, high // 100) * 10_000),
                "gender": person.gender,
            }
        )
    return rows


def _products(rng: random.Random, now: datetime) -> list[Row]:
    """The catalog; the newest change is exactly ``PRODUCTS_AGE`` old, so it is stale."""
    names = [(f"{adjective} {noun}", noun) for adjective in _ADJECTIVES for noun in _NOUNS]
    rng.shuffle(names)
    newest = now - PRODUCTS_AGE
    return [
        {
            "product_id": product_id,
            "name": name,
            "category": _NOUNS[noun],
            "price": money(rng.randint(499, 49_999)),
            "updated_at": newest - timedelta(hours=0 if product_id == 1 else rng.randint(1, 720)),
        }
        for product_id, (name, noun) in enumerate(names[:PRODUCTS], start=1)
    ]
