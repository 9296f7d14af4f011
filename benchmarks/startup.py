"""Startup cost of the CLI's data commands: in-process vs against a running gateway.

A CLI ``hqg search``, ``hqg ask`` or hybrid ``hqg sql`` in-process loads the embedding model,
the NER models and the index in the terminal's process before it answers; with ``--url`` the
command sends the request to a running gateway through the light client (``hqg_client``) and
loads nothing. Measured as the wall time of whole ``hqg`` processes (what a user waits for),
on the demo workspace, as demo-alice: baseline = in-process, hqg = ``--url`` (ratio < 1 is the
saving). A third row times the light client alone in a fresh interpreter (import + one call),
the floor a script pays.

Then the server side of the same question (issue 18, goal 6): each use case (SQL, search, ask,
chat) on a ``hqg serve`` of its own that has just said ready, its first request against its
100th (the median of the 91st to 100th, one at a time). The warm-up runs before ``/readyz``
says ready, so a ratio near 1 means nothing was left for the first caller to load. SQL is
measured twice: one repeated text (its 100th request finds its guard verdict and rewrite
cached per text) and a new text each time (first and 100th equally new).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from benchmarks.common import Row, RunContext, row
from benchmarks.http import ASK, SEARCH, SQL, Probe, drive, served

NAME = "startup"
KEY = "demo-alice"
HYBRID_SQL = (
    "SELECT t.status, count(*) AS n FROM vector_search('tickets', 'never arrived', 50) v "
    "JOIN support_tickets t ON t.ticket_id = CAST(split_part(v.doc_id, '-', 2) AS BIGINT) "
    "GROUP BY t.status"
)
COMMANDS: dict[str, list[str]] = {
    "search": ["search", "refund window", "--json"],
    "ask": ["ask", "How long is the refund window?", "--json"],
    "hybrid sql": ["sql", HYBRID_SQL, "--format", "json"],
}
CLIENT_CALL = (
    "import sys; from hqg_client import Client; "
    "Client(sys.argv[1], sys.argv[2]).sql('SELECT count(*) FROM products')"
)
STARTUP_S = 300.0
FIRST_N = 100


def chat_body(n: int) -> dict[str, object]:
    """The ``n``-th chat completion: the built-in extractive model, a distinct question."""
    question = f"How long is the refund window? (case {n})"
    return {"model": "hqg", "messages": [{"role": "user", "content": question}]}


CHAT = Probe("/v1/chat/completions", "/v1/chat/completions", chat_body)


def point_query(n: int) -> dict[str, object]:
    """The ``n``-th point query: a text no earlier request used, like most analysts' queries."""
    return {"sql": f"SELECT * FROM orders WHERE order_id = {n + 1}"}


#: ``SQL`` repeats one text, so from its second request on the guard's verdict and the
#: rewrite are cached per text; this probe compares a first request with a 100th that is just
#: as new to the server, which is what warming before ``/readyz`` can promise.
SQL_DISTINCT = Probe("/v1/sql, distinct texts", "/v1/sql", point_query)


def _hqg(*args: str) -> list[str]:
    return [sys.executable, "-c", "from cli import main; main()", *args]


def _wall(command: Sequence[str], *, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, env=env, timeout=STARTUP_S, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{command[3:5]} failed: {done.stderr.decode(errors='replace')[-500:]}")
    return time.perf_counter() - start


def _best(command: Sequence[str], *, env: dict[str, str], n: int) -> float:
    """The fastest of ``n`` runs (the least disturbed by other load)."""
    return min(_wall(command, env=env) for _ in range(n))


@contextmanager
def _served(home: Path, env: dict[str, str]) -> Iterator[str]:
    port_file = home.parent / "startup-serve.port"
    port_file.unlink(missing_ok=True)
    log = (home.parent / "startup-serve.log").open("wb")
    server = subprocess.Popen(
        _hqg("serve", "--home", str(home), "--port", "0", "--port-file", str(port_file)),
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + STARTUP_S
        while not port_file.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        url = f"http://127.0.0.1:{int(port_file.read_text(encoding='utf-8'))}"
        while time.monotonic() < deadline:  # ready: models loaded, indexes open
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


def run(ctx: RunContext) -> list[Row]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    home = ctx.scratch / "startup" / "home"
    home.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(_hqg("demo", "--home", str(home)), check=True, capture_output=True, env=env)
    return measure(home, n=1 if ctx.quick else 3) + first_requests(home)


def first_requests(
    home: Path, probes: tuple[Probe, ...] = (SQL, SQL_DISTINCT, SEARCH, ASK, CHAT)
) -> list[Row]:
    """Per use case, on a fresh server each (so no other route warmed anything for it): the
    first request after ``/readyz`` said ready against the median of the 91st-100th."""
    rows = []
    for probe in probes:
        log = home.parent / f"first{probe.path.replace('/', '-')}.log"
        with served(home, log=log) as url:
            cell = drive(url, probe, concurrency=1, seconds=900, max_requests=FIRST_N)
        if cell.errors or len(cell.latencies_ms) < FIRST_N:
            raise RuntimeError(f"{probe.label}: {cell.errors} errors in {FIRST_N} requests")
        rows.append(
            row(
                NAME,
                f"{probe.label}: first request after ready vs 100th",
                "ms",
                baseline=statistics.median(cell.latencies_ms[-10:]),
                hqg=cell.latencies_ms[0],
                note="fresh server per route; baseline = median of the 91st-100th",
            )
        )
    return rows


def measure(home: Path, *, n: int) -> list[Row]:
    """The rows for the demo workspace at ``home`` (it gets audit records), best of ``n``."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    local = {
        name: _best(_hqg(*args, "--key", KEY, "--home", str(home)), env=env, n=n)
        for name, args in COMMANDS.items()
    }
    rows = []
    with _served(home, env) as url:
        for name, args in COMMANDS.items():
            remote = _best(_hqg(*args, "--key", KEY, "--url", url), env=env, n=n)
            rows.append(
                row(
                    NAME,
                    f"hqg {name}: in-process vs --url",
                    "s",
                    baseline=local[name],
                    hqg=remote,
                    note="whole process, best of runs",
                )
            )
        client = _best([sys.executable, "-c", CLIENT_CALL, url, KEY], env=env, n=n)
        rows.append(
            row(
                NAME,
                "hqg_client: import + one SQL call vs in-process hybrid sql",
                "s",
                baseline=local["hybrid sql"],
                hqg=client,
                note="fresh interpreter",
            )
        )
    return rows
