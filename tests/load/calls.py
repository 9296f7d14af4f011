"""The request mix: governed SQL, search and (when the route exists) answers, per principal."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tests.load.harness import Call

SQL = (
    "SELECT full_name, email, phone FROM customers ORDER BY customer_id LIMIT 20",
    "SELECT ticket_id, subject, body FROM support_tickets ORDER BY ticket_id LIMIT 20",
    "SELECT c.full_name, count(*) AS n FROM orders o JOIN customers c"
    " ON o.customer_id = c.customer_id GROUP BY c.full_name ORDER BY n DESC, c.full_name LIMIT 10",
)
SEARCH = (
    {"query": "order never arrived", "collections": ["tickets"], "k": 20},
    {"query": "how long is the refund window", "k": 5},
    {"query": "customer asked to change email address", "k": 10},
)
ASK = (
    {"question": "How long is the refund window?"},
    {"question": "Which customers wrote that their order never arrived?"},
)
#: acme analyst, acme support (sees acme PII), globex analyst, acme assistant, the steward
PRINCIPALS = ("demo-alice", "demo-bob", "demo-carol", "demo-assistant", "demo-dana")
#: principals whose responses carry no raw PII at all: pseudonyms must be request-scoped
MASKED = ("demo-alice", "demo-carol", "demo-assistant")
UNMASKED = ("demo-bob", "demo-dana")


def mixed_calls(*, keys: Iterable[str] = PRINCIPALS, ask: bool = False) -> list[Call]:
    """Every principal with every request, interleaved so neighbours differ in principal."""
    requests: list[tuple[str, str, Mapping[str, object]]]
    requests = [("sql", "/v1/sql", {"sql": sql}) for sql in SQL]
    requests += [("search", "/v1/search", body) for body in SEARCH]
    if ask:
        requests += [("ask", "/v1/ask", body) for body in ASK]
    return [
        Call(endpoint=endpoint, key=key, path=path, body=body)
        for endpoint, path, body in requests
        for key in keys
    ]
