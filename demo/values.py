"""How demo values are spelled in files: one place, so every format agrees.

Timestamps are UTC written without an offset (the contracts' ``TIMESTAMP`` columns are UTC by
convention), dates are ISO, money is a two-decimal string or number.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

Value = str | int | Decimal | datetime | date | None
Row = dict[str, Value]


def as_text(value: Value) -> str | None:
    """The value as CSV/SQL text; None stays None (written as an empty CSV field)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def as_json(value: Value) -> str | int | float | None:
    """The value as a JSON scalar: money becomes a number, times become text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str | int) or value is None:
        return value
    return as_text(value)


def seeded(*parts: object) -> random.Random:
    """A generator of its own, keyed by e.g. (seed, tenant, table), so streams don't interact."""
    return random.Random(":".join(map(str, parts)))  # noqa: S311 - reproducible demo data


def money(cents: int) -> Decimal:
    """An amount with exactly two decimals, so every format spells it the same way."""
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def recent_or(rng: random.Random, max_seconds: int, *, last: bool) -> timedelta:
    """How long before the reference a row happened: any time up to ``max_seconds``, except
    the ``last`` row of a tenant, which is 5 to 30 minutes old so the table reads fresh."""
    return timedelta(seconds=rng.randint(300, 1800 if last else max_seconds))
