"""Orders and support tickets: the activity of each tenant's customers.

Ticket bodies are written the way customers write: they name themselves and give their email
and phone in a sentence, so free-text PII detection and masking have something real to find.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from demo.values import Row, money, recent_or

ORDERS_PER_TENANT = 1500
TICKETS_PER_TENANT = 200

_SETTLED = ("shipped", "delivered", "delivered", "delivered", "cancelled", "returned")
_TICKETS = (
    (
        "Order {order} never arrived",
        "Hi, this is {name} ({email}, {phone}) — my order {order} never arrived.",
    ),
    (
        "Damaged item in order {order}",
        "Hello, {name} here. Order {order} arrived damaged. "
        "You can reach me at {phone} or {email}.",
    ),
    (
        "Charged twice for order {order}",
        "My name is {name} and I was charged twice for order {order}. "
        "Please email me at {email} or call {phone}.",
    ),
    (
        "Return request for order {order}",
        "Dear support, I would like to return order {order}. "
        "Regards, {name}. Contact: {email} / {phone}",
    ),
    (
        "Change the shipping address",
        "This is {name}. I need to change the shipping address for order {order}. "
        "Call me on {phone}, or write to {email}.",
    ),
    (
        "Tracking link is broken",
        "{name} writing about order {order}: the tracking link does not work. "
        "My email is {email} and my phone number is {phone}.",
    ),
)


def orders_rows(
    tenant: str, customers: list[Row], rng: random.Random, now: datetime, *, first_id: int
) -> list[Row]:
    """Orders over the past year; those whose shipping date is still ahead are not shipped."""
    rows: list[Row] = []
    last_id = first_id + ORDERS_PER_TENANT - 1
    for order_id in range(first_id, last_id + 1):
        ordered = now - recent_or(rng, 365 * 86_400, last=order_id == last_id)
        shipping = ordered + timedelta(hours=rng.randint(4, 96))
        status = rng.choice(("placed", "paid") if shipping > now else _SETTLED)
        shipped = shipping if status in ("shipped", "delivered", "returned") else None
        rows.append(
            {
                "tenant_id": tenant,
                "order_id": order_id,
                "customer_id": rng.choice(customers)["customer_id"],
                "status": status,
                "total": money(rng.randint(500, 50_000)),
                "ordered_at": ordered,
                "shipped_at": shipped,
            }
        )
    return rows


def ticket_rows(
    tenant: str,
    customers: list[Row],
    orders: list[Row],
    rng: random.Random,
    now: datetime,
    *,
    first_id: int,
) -> list[Row]:
    """Tickets about a customer's own order, in that customer's words."""
    by_id = {customer["customer_id"]: customer for customer in customers}
    rows: list[Row] = []
    last_id = first_id + TICKETS_PER_TENANT - 1
    for ticket_id in range(first_id, last_id + 1):
        order = rng.choice(orders)
        customer = by_id[order["customer_id"]]
        subject, body = rng.choice(_TICKETS)
        fields = {
            "order": order["order_id"],
            "name": customer["full_name"],
            "email": customer["email"],
            "phone": customer["phone"],
        }
        rows.append(
            {
                "tenant_id": tenant,
                "ticket_id": ticket_id,
                "customer_id": customer["customer_id"],
                "subject": subject.format(**fields),
                "body": body.format(**fields),
                "opened_at": now - recent_or(rng, 90 * 86_400, last=ticket_id == last_id),
                "status": rng.choice(("open", "open", "pending", "closed")),
            }
        )
    return rows
