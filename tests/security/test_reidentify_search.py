"""Ranking never re-identifies: a principal whose PII is masked cannot find who wrote a ticket
by searching for a name (DESIGN §4 (c), issue 11 item 4).

For every author of an acme ticket, alice (acme analyst, PII masked) searches the tickets by
that name, lexically, densely and through ``vector_search()`` in SQL; her top result must be
the author's own ticket no more often than chance. bob (acme support, may see acme PII) runs
the same searches and finds the authors' tickets (the positive control that shows the probe
works). A second probe uses names from Faker's public first- and last-name lists, as an
attacker with a name list would.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from faker.providers.person.en_US import Provider as PersonProvider

from gateway.service import Gateway
from ingestion.vectors.base import SearchMode
from tests.security.egress_support import (
    at_chance,
    hits_and_chance,
    sql_top_ticket,
    ticket_authors,
    tickets_by_author,
    top_ticket,
)

#: Slow (a sweep: every acme ticket author searched three ways, twice): CI runs it
#: (``make test``), the fast lane skips it.
pytestmark = pytest.mark.slow


MASKED, UNMASKED = "demo-alice", "demo-bob"
AUTHORS = ticket_authors("acme")
BY_AUTHOR = tickets_by_author(AUTHORS)
VISIBLE = len(AUTHORS)

Probe = Callable[[Gateway, str, str], str | None]
PROBES: dict[str, Probe] = {
    "lexical": lambda gw, key, q: top_ticket(gw, key, q, SearchMode.LEXICAL),
    "dense": lambda gw, key, q: top_ticket(gw, key, q, SearchMode.DENSE),
    "vector_search_sql": sql_top_ticket,
}


def _author_queries() -> list[tuple[str, set[str]]]:
    return sorted(BY_AUTHOR.items())


def _name_list_queries() -> list[tuple[str, set[str]]]:
    """Every Faker first or last name that occurs in an acme author's name, with the tickets
    of the authors who carry it."""
    listed = set(PersonProvider.first_names) | set(PersonProvider.last_names)
    targets: dict[str, set[str]] = {}
    for author, docs in BY_AUTHOR.items():
        for part in author.split():
            if part in listed:
                targets.setdefault(part, set()).update(docs)
    return sorted(targets.items())


@pytest.mark.parametrize("probe", sorted(PROBES))
def test_masked_principal_search_for_an_author_name_finds_their_ticket_only_by_chance(
    gateway: Gateway,  # noqa: F811
    probe: str,
) -> None:
    hits, expected = hits_and_chance(
        _author_queries(), lambda q: PROBES[probe](gateway, MASKED, q), visible=VISIBLE
    )
    assert at_chance(hits, expected), f"{probe}: {hits} hits, chance {expected:.1f}"


@pytest.mark.parametrize("probe", ["lexical", "vector_search_sql"])
def test_principal_who_may_see_pii_still_finds_the_authors_tickets(
    gateway: Gateway,  # noqa: F811
    probe: str,
) -> None:
    hits, expected = hits_and_chance(
        _author_queries(), lambda q: PROBES[probe](gateway, UNMASKED, q), visible=VISIBLE
    )
    assert hits >= 0.8 * len(BY_AUTHOR), f"{probe}: {hits} hits, chance {expected:.1f}"


def test_names_from_a_public_name_list_do_not_re_identify_masked_authors(
    gateway: Gateway,  # noqa: F811
) -> None:
    queries = _name_list_queries()
    assert len(queries) >= 50, "the probe needs enough listed names to have power"
    masked = hits_and_chance(
        queries, lambda q: top_ticket(gateway, MASKED, q, SearchMode.HYBRID), visible=VISIBLE
    )
    control = hits_and_chance(
        queries, lambda q: top_ticket(gateway, UNMASKED, q, SearchMode.LEXICAL), visible=VISIBLE
    )
    assert at_chance(*masked), f"masked: {masked[0]} hits, chance {masked[1]:.1f}"
    assert control[0] > 4 * control[1], f"control: {control[0]} hits, chance {control[1]:.1f}"
