"""The PII sweep of the leakage suite: the demo's own PII values as the text of requests.

Every ground-truth PII value of the demo (customer names, e-mails and phones, which the ticket
bodies quote, and employee names) is a canary of the scanner. The sweep turns a deterministic
sample of them into requests, cycling through every document path a caller has: lexical and
hybrid search, ``vector_search()`` in SQL, ask, and chat streamed and not, all through the HTTP
app (so the egress guard and the stream are the ones callers get). A masked caller must see no
canary it is not entitled to, ever; a caller who may see PII (bob for support, dana) must see
them (positive controls: a sweep that finds nothing anywhere proves nothing).

The value a caller typed is never subtracted from what it gets back, except in SQL, whose
provenance echoes the query: there only the rows are scanned. A search or answer that hands a
typed name back confirms the name is in the data, which is exactly the re-identification the
masked view prevents.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from itertools import cycle
from typing import Any, Protocol

from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field

from demo.ground_truth import DemoGroundTruth
from evals.canaries import CanaryScanner, Finding
from evals.stats import deterministic_sample

PROBE = "pii_sweep"
KINDS = ("search_lexical", "search_hybrid", "vector_search", "ask", "chat", "chat_stream")
TEMPLATES = (
    "{value}",
    "support tickets from {value}",
    "What did {value} write about their order?",
    "This is {value}. Where is my refund?",
)


class _Response(Protocol):
    """What the sweep reads of a test client's response."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


class PiiSweepSpec(BaseModel):
    """``pii_sweep`` in ``evals/data/leakage.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    callers: tuple[str, ...]  # masked callers: no canary outside their entitlement, ever
    controls: tuple[str, ...]  # callers who may see PII: must see it (see the suite's controls)
    per_caller: int = Field(ge=1)  # requests per swept caller (>= 600 in a full run)
    per_control: int = Field(ge=1)
    smoke_per_caller: int = Field(ge=1)
    smoke_per_control: int = Field(ge=1)


def sweep_values(truth: DemoGroundTruth) -> list[str]:
    """Every PII value of the demo, sorted (customers and employees of every tenant)."""
    return sorted(frozenset().union(*(canaries.pii for canaries in truth.tenants.values())))


def sweep_requests(values: Sequence[str], count: int, *, salt: str) -> list[tuple[str, str]]:
    """``count`` (kind, text) pairs: a hash-chosen sample of values, cycling kinds and
    templates so every path sees every kind of value."""
    chosen = deterministic_sample(list(values), count, key=lambda v: f"{salt}:{v}")
    picked = [chosen[i % len(chosen)] for i in range(count)]
    kinds, templates = cycle(KINDS), cycle(TEMPLATES)
    return [(next(kinds), next(templates).format(value=value)) for value in picked]


class PiiSweeper:
    """Sends the sweep through an in-process app; findings go to ``record`` (the suite's)."""

    def __init__(
        self,
        client: TestClient,
        keys: dict[str, str],
        scanner: CanaryScanner,
        record: Callable[[str, str, set[Finding]], None],
    ) -> None:
        self.client, self.keys, self.scanner, self.record = client, keys, scanner, record
        self.requests = 0
        self.statuses: dict[str, int] = {}

    def sweep(self, caller: str, requests: Sequence[tuple[str, str]]) -> None:
        for kind, text in requests:
            self.send(caller, kind, text)

    def send(self, caller: str, kind: str, text: str) -> None:
        principal, _, purpose = caller.partition("/")
        headers = {"Authorization": f"Bearer {self.keys[principal]}", "X-Purpose": purpose}
        response = _SENDERS[kind](self.client, headers, text)
        self.requests += 1
        status = str(response.status_code)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.record(caller, PROBE, self.scanner.scan(_scanned(kind, response)))


def _scanned(kind: str, response: _Response) -> str:
    """The body as a caller reads it; for SQL only the rows (provenance echoes the query)."""
    if kind == "vector_search" and response.status_code == 200:
        return json.dumps(response.json().get("rows"), ensure_ascii=False)
    return response.text


def _sql_literal(text: str) -> str:
    return text.replace("'", "''")


_SENDERS: dict[str, Callable[[TestClient, dict[str, str], str], _Response]] = {
    "search_lexical": lambda c, h, t: c.post(
        "/v1/search", json={"query": t, "mode": "lexical"}, headers=h
    ),
    "search_hybrid": lambda c, h, t: c.post(
        "/v1/search", json={"query": t, "mode": "hybrid"}, headers=h
    ),
    "vector_search": lambda c, h, t: c.post(
        "/v1/sql",
        json={
            "sql": "SELECT doc_id, title, text FROM "  # noqa: S608  (the query under test)
            f"vector_search('tickets', '{_sql_literal(t)}', 5)"
        },
        headers=h,
    ),
    "ask": lambda c, h, t: c.post("/v1/ask", json={"question": t}, headers=h),
    "chat": lambda c, h, t: c.post(
        "/v1/chat/completions",
        json={"model": "hqg", "messages": [{"role": "user", "content": t}]},
        headers=h,
    ),
    "chat_stream": lambda c, h, t: c.post(
        "/v1/chat/completions",
        json={"model": "hqg", "messages": [{"role": "user", "content": t}], "stream": True},
        headers=h,
    ),
}
