"""Shared by the egress and re-identification suites: who wrote which demo ticket, and how
often a ranking puts an author's own ticket first against what chance would.

"Chance" is the expected number of hits if the top result were a uniformly random visible
ticket: the sum over queries of (the author's tickets / the visible tickets). A search that
ranks by a masked value scores far above it (about one hit per query); one that cannot
see the value scores around it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

from demo.data import generate_demo_data
from gateway.context import RequestContext
from gateway.search_pipeline import governed_search_request
from gateway.service import Gateway
from gateway.sql_pipeline import governed_sql
from ingestion.vectors.base import SearchMode

TICKETS = "tickets"


def ticket_authors(tenant: str, *, seed: int = 7) -> dict[str, str]:
    """``doc_id`` (``acme/ticket-0042``) -> the customer who wrote the ticket."""
    tables = generate_demo_data(seed=seed).tables
    customers = {row["customer_id"]: row for row in tables["customers"]}
    return {
        f"{row['tenant_id']}/ticket-{row['ticket_id']:04d}": str(
            customers[row["customer_id"]]["full_name"]
        )
        for row in tables["support_tickets"]
        if row["tenant_id"] == tenant
    }


def tickets_by_author(authors: Mapping[str, str]) -> dict[str, set[str]]:
    by_author: dict[str, set[str]] = defaultdict(set)
    for doc_id, author in authors.items():
        by_author[author].add(doc_id)
    return dict(by_author)


def context(gateway: Gateway, key: str) -> RequestContext:
    return RequestContext.create(gateway.principals.authenticate(key), purpose=None)


def top_ticket(gateway: Gateway, key: str, query: str, mode: SearchMode) -> str | None:
    """The doc id ``key``'s search ranks first in the tickets collection."""
    found = governed_search_request(
        gateway, context(gateway, key), query=query, collections=[TICKETS], mode=mode, k=1
    )
    return found.results[0].doc_id if found.results else None


def sql_top_ticket(gateway: Gateway, key: str, query: str) -> str | None:
    """The doc id ``vector_search()`` ranks first, through governed SQL."""
    literal = query.replace("'", "''")
    found = governed_sql(
        gateway,
        context(gateway, key),
        sql=f"SELECT doc_id FROM vector_search('{TICKETS}', '{literal}', 1)",
    )
    return str(found.rows[0][0]) if found.rows else None


def hits_and_chance(
    queries: Iterable[tuple[str, set[str]]], top: Callable[[str], str | None], *, visible: int
) -> tuple[int, float]:
    """(queries whose top result is one of their target tickets, the number chance gives)."""
    hits, expected = 0, 0.0
    for query, targets in queries:
        hits += top(query) in targets
        expected += len(targets) / visible
    return hits, expected


def at_chance(hits: int, expected: float) -> bool:
    """Within four standard deviations of a Poisson count with mean ``expected`` (plus one,
    so a tiny expectation does not make a single coincidence a failure)."""
    return hits <= expected + 4 * math.sqrt(max(expected, 1.0)) + 1
