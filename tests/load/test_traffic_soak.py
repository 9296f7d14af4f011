"""Soak: mixed traffic from 16 clients against one ``hqg serve`` with a bomb every few seconds.

Benign SQL, search and answers as five demo principals run for ``HQG_SOAK_SECONDS`` (60 s by
default, as CI runs it; 600 s for the full soak), while a separate client sends one bomb every
``BOMB_EVERY`` seconds: an oversized body, invalid Unicode, deeply nested JSON, a cross join the
statement timeout must stop. Pass: no 5xx and no transport failure for anyone, every bomb a
4xx, ``/healthz`` answering throughout, the server's RSS bounded. The p50/p99 of the benign
requests are printed (``pytest -s``), never asserted.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.load.calls import mixed_calls
from tests.load.harness import Load, latency_table, run_load
from tests.load.served import rss_bytes, serve_process, wait_until_ready

CLIENTS = 16
SECONDS = float(os.environ.get("HQG_SOAK_SECONDS", "60"))
BOMB_EVERY = 3.0
MAX_REQUESTS = 1_000_000
#: the server's DuckDB cap (set below) plus the models, engines and 16 clients' working set
RSS_HEADROOM = 1_536 * 1_048_576
SERVER_ENV = {"HQG_SQL__MAX_MEMORY": "512MB", "HQG_SQL__TIMEOUT_MS": "4000"}

BOMBS: tuple[tuple[str, str, bytes], ...] = (
    ("oversized-body", "/v1/sql", json.dumps({"sql": "SELECT 1 -- " + "x" * 2_100_000}).encode()),
    ("lone-surrogate", "/v1/search", b'{"query": "refund", "collections": ["\\ud800"]}'),
    ("nul-in-sql", "/v1/sql", b'{"sql": "SELECT 1\\u0000"}'),
    (
        "deep-json",
        "/v1/ask",
        b'{"question": "q", "collections": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",
    ),
    (
        "cross-join",
        "/v1/sql",
        json.dumps(
            {
                "sql": "SELECT count(*) FROM orders a, orders b, orders c, orders d "
                "WHERE a.order_id + b.order_id + c.order_id + d.order_id > 0"
            }
        ).encode(),
    ),
)


class Bomber:
    """Sends the bombs in turn and checks ``/healthz`` between them until the load stops."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.results: list[tuple[str, int, float]] = []  # name, status, seconds
        self.health: list[int] = []

    def __call__(self, load: Load) -> None:
        headers = {"Authorization": "Bearer demo-alice", "content-type": "application/json"}
        with httpx.Client(base_url=self.url, timeout=60) as client:
            turn = 0
            while not load.stop.wait(BOMB_EVERY):
                name, path, body = BOMBS[turn % len(BOMBS)]
                turn += 1
                started = time.monotonic()
                try:
                    status = client.post(path, content=body, headers=headers).status_code
                except httpx.HTTPError:
                    status = 0
                self.results.append((name, status, time.monotonic() - started))
                try:
                    self.health.append(client.get("/healthz", timeout=10).status_code)
                except httpx.HTTPError:
                    self.health.append(0)


class RssSampler:
    """The server's resident memory, sampled twice a second in a background thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.samples.append(rss_bytes(self.pid))


@pytest.mark.slow
def test_soak_mixed_traffic_with_bombs_has_no_5xx_and_bounded_memory(
    workspace: Path, tmp_path: Path
) -> None:
    calls = mixed_calls(ask=True)
    with serve_process(workspace, log=tmp_path / "server.log", env=SERVER_ENV) as (url, server):
        wait_until_ready(url)
        baseline = rss_bytes(server.pid)
        bomber = Bomber(url)
        with RssSampler(server.pid) as rss:
            outcomes = run_load(
                url,
                calls,
                clients=CLIENTS,
                seconds=SECONDS,
                max_requests=MAX_REQUESTS,
                during=bomber,
            )
        alive = httpx.get(f"{url}/healthz", timeout=10).status_code
    peak = max(rss.samples, default=baseline)
    print(f"\nsoak {SECONDS:.0f} s, {CLIENTS} clients, {len(outcomes)} benign requests")
    for endpoint, row in latency_table(outcomes).items():
        print(f"  {endpoint:<7} n={row['n']:<6} p50={row['p50_ms']} ms  p99={row['p99_ms']} ms")
    print(f"  bombs: {[(n, s, round(t, 1)) for n, s, t in bomber.results]}")
    print(f"  rss: baseline {baseline >> 20} MiB, peak {peak >> 20} MiB")

    failed = sorted({(o.call.endpoint, o.status) for o in outcomes if not 0 < o.status < 500})
    assert failed == []
    assert bomber.results, "no bomb was sent"
    assert [(n, s) for n, s, _ in bomber.results if not 400 <= s < 500] == []
    assert set(bomber.health) <= {200}
    assert alive == 200
    assert peak < baseline + RSS_HEADROOM
