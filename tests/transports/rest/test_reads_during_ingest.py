"""Request paths only read the workspace catalog: an ingest holding SQLite's write lock never
makes a search, an answer or a hybrid SQL query wait for it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.service import Gateway
from tests.conftest import auth

pytestmark = pytest.mark.slow  # make test-fast skips it: holds an ingest transaction open

#: Generous: a request blocked on the write lock waits SQLite's 30 s busy timeout.
BOUND_S = 8.0

REQUESTS = (
    ("/v1/search", {"query": "refund window", "collections": ["handbook"], "k": 3}),
    ("/v1/ask", {"question": "How long is the refund window?"}),
    (
        "/v1/sql",
        {"sql": "SELECT v.chunk_id FROM vector_search('handbook', 'refund window', 3) v"},
    ),
)


@pytest.fixture
def ingest_in_progress(home: Path) -> Iterator[None]:
    """Another process's ingest transaction: the write lock held, an uncommitted write made."""
    con = sqlite3.connect(home / "catalog.sqlite", timeout=5, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    con.execute("UPDATE meta SET value = value WHERE key = 'generation'")
    try:
        yield
    finally:
        con.execute("ROLLBACK")
        con.close()


@pytest.mark.parametrize(("path", "body"), REQUESTS, ids=[p for p, _ in REQUESTS])
def test_reads_do_not_wait_for_an_open_ingest_transaction(
    gateway: Gateway,
    client: TestClient,
    ingest_in_progress: None,
    path: str,
    body: dict[str, object],
) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(client.post, path, json=body, headers=auth("demo-alice"))
        response = future.result(timeout=BOUND_S)
    assert response.status_code == 200, response.text
