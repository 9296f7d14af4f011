"""``http``: the governed routes over real HTTP, against ``/healthz`` on the same server.

A real ``hqg serve`` process on loopback (its own event loop, threads and engines; the demo
workspace) is driven by N keep-alive connections, each sending its next request as soon as
the previous answer is read, for a fixed time per (route, concurrency) cell:

- ``/healthz`` (the floor: the server, the ASGI stack, no work);
- ``/v1/sql``: the governed point query as demo-alice (guard, policy, rewrite, DuckDB,
  provenance, the durable audit append);
- ``/v1/search``: hybrid, k 5, as demo-alice, **every query text distinct** so no cache of
  query embeddings can answer it;
- ``/v1/ask``: the extractive answerer, distinct questions.

Reported per cell: req/s, p50/p95/p99 and the error count (any answer but 200, or a broken
connection), with ``/healthz`` at the same concurrency as the baseline, so the ratio and the
"added" note are the route's cost over the server's floor, taken minutes apart on the same
machine. At concurrency 1 each route is also set beside the same use case called in-process
(no HTTP), so the transport's share is visible, and the server's own log line of each request
splits its time in the server: the use case up to its audit record (``use_case_ms``) against
the whole request as the server saw it (``latency_ms``: the rest is the audit's durable append,
the worker-thread hop, the route stack and the response).

The client is a minimal HTTP/1.1 client on asyncio streams rather than httpx: on two shared
cores the client's own CPU competes with the server, and a general-purpose client costs several
times more per request than the server's floor. It supports exactly what the server sends
(``Content-Length`` or chunked bodies, keep-alive).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks.common import Latency, Row, RunContext, latency, row

NAME = "http"
CONCURRENCY = (1, 8, 32)
KEY = "demo-alice"
POINT_SQL = "SELECT * FROM orders WHERE order_id = 42"
STARTUP_SECONDS = 300.0
REPO = Path(__file__).resolve().parent.parent
_TOPICS = (
    "order never arrived",
    "refund window for damaged items",
    "change the email address on my account",
    "warranty on a broken blender",
    "shipping takes too long",
    "charged twice for one order",
)


def search_body(n: int) -> dict[str, Any]:
    """The ``n``-th search: hybrid, k 5, a text no earlier request used (no cache hit)."""
    return {"query": f"{_TOPICS[n % len(_TOPICS)]} case {n}", "k": 5, "mode": "hybrid"}


def ask_body(n: int) -> dict[str, Any]:
    """The ``n``-th question, distinct like the searches."""
    return {"question": f"What happens when the {_TOPICS[n % len(_TOPICS)]}? (case {n})"}


@dataclass(frozen=True)
class Probe:
    """One kind of request: its label, route and the body of the ``n``-th call."""

    label: str
    path: str
    body: Callable[[int], dict[str, Any]] | None = None  # None: GET without a key

    def request(self, n: int, request_id: str) -> bytes:
        lines = [
            f"{'POST' if self.body else 'GET'} {self.path} HTTP/1.1",
            "Host: 127.0.0.1",
            f"X-Request-ID: {request_id}",
        ]
        payload = b""
        if self.body is not None:
            payload = json.dumps(self.body(n)).encode()
            lines += [
                f"Authorization: Bearer {KEY}",
                "Content-Type: application/json",
                f"Content-Length: {len(payload)}",
            ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


HEALTHZ = Probe("/healthz", "/healthz")
SQL = Probe("/v1/sql", "/v1/sql", lambda n: {"sql": POINT_SQL})
SEARCH = Probe("/v1/search", "/v1/search", search_body)
ASK = Probe("/v1/ask", "/v1/ask", ask_body)
PROBES = (HEALTHZ, SQL, SEARCH, ASK)


@dataclass
class Cell:
    """The outcome of one (probe, concurrency) run."""

    probe: Probe
    concurrency: int
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    request_ids: list[str] = field(default_factory=list)  # every request sent, answered or not

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile in ms (0 when nothing was measured)."""
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return 0.0
        rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
        return ordered[rank - 1]


class _Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, request: bytes) -> int:
        """The response's status (the body is read and dropped); opens the socket lazily."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(request)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = dict(
            (name.strip().lower(), value.strip())
            for name, _, value in (line.partition(":") for line in header_lines if line)
        )
        if headers.get("transfer-encoding", "").lower() == "chunked":
            await self._read_chunked()
        else:
            await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return int(status_line.split()[1])

    async def _read_chunked(self) -> None:
        assert self.reader is not None
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await self.reader.readexactly(size + 2)
            if size == 0:
                return

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _drive(url: str, cell: Cell, seconds: float, max_requests: int | None) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    deadline = time.monotonic() + seconds
    counter = iter(range(10**9))
    tag = f"{cell.probe.label.strip('/').replace('/', '-')}-c{cell.concurrency}-{os.getpid()}"

    async def client() -> None:
        connection = _Connection(host, port)
        try:
            while time.monotonic() < deadline:
                n = next(counter)
                if max_requests is not None and n >= max_requests:
                    return
                request_id = f"bench-{tag}-{n}"
                cell.request_ids.append(request_id)
                started = time.perf_counter()
                try:
                    status = await connection.send(cell.probe.request(n, request_id))
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    connection.close()
                    cell.errors += 1
                    continue
                if status == 200:
                    cell.latencies_ms.append((time.perf_counter() - started) * 1000)
                else:
                    cell.errors += 1
        finally:
            connection.close()

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(cell.concurrency)))
    cell.seconds = time.monotonic() - started


def drive(
    url: str, probe: Probe, *, concurrency: int, seconds: float, max_requests: int | None = None
) -> Cell:
    """Send ``probe`` over ``concurrency`` keep-alive connections for ``seconds``."""
    cell = Cell(probe, concurrency)
    asyncio.run(_drive(url, cell, seconds, max_requests))
    return cell


def serve_command(home: Path, port_file: Path) -> list[str]:
    """``hqg serve`` on a port the server binds itself and reports in ``port_file``."""
    return [
        *(sys.executable, "-c", "from cli import main; main()", "serve"),
        *("--home", str(home), "--host", "127.0.0.1", "--port", "0"),
        *("--port-file", str(port_file)),
    ]


def _wait_ready(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    """Until ``/readyz`` answers 200: the server has loaded its models and warmed up."""
    deadline = time.monotonic() + STARTUP_SECONDS
    probe = Probe("/readyz", "/readyz")
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"hqg serve exited with status {server.returncode}: {tail}")
        cell = drive(url, probe, concurrency=1, seconds=5, max_requests=1)
        if cell.latencies_ms:
            return
        time.sleep(0.5)
    raise RuntimeError("hqg serve did not become ready in time")


@contextmanager
def served(
    home: Path, *, log: Path, source: Path = REPO, env: dict[str, str] | None = None
) -> Iterator[str]:
    """A real ``hqg serve --home HOME`` on a free loopback port, ready; yields its base URL.

    The server runs the code of the ``source`` tree (this one by default; another checkout for
    an A/B comparison) and is terminated on exit."""
    port_file = log.with_name(f"{log.name}.port")
    port_file.unlink(missing_ok=True)  # a previous run's port would be read as this one's
    environ = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(source), **(env or {})}
    with log.open("wb") as out:
        server = subprocess.Popen(
            serve_command(home, port_file),
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environ,
            cwd=source,
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not port_file.is_file():
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"hqg serve did not start: {log.read_text()[-2000:]}")
                time.sleep(0.1)
            url = f"http://127.0.0.1:{int(port_file.read_text(encoding='utf-8'))}"
            _wait_ready(url, server, log)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=30)


def measure(
    url: str,
    probes: tuple[Probe, ...] = PROBES,
    *,
    concurrency: tuple[int, ...] = CONCURRENCY,
    seconds: float,
    warmup: int = 20,
) -> list[Cell]:
    """Every (probe, concurrency) cell, concurrency outermost, so ``/healthz`` and the routes
    it is compared with are measured minutes apart at most."""
    for probe in probes:  # connections, first-use paths, the policy decision cache
        drive(url, probe, concurrency=1, seconds=60, max_requests=warmup)
    return [
        drive(url, probe, concurrency=c, seconds=seconds) for c in concurrency for probe in probes
    ]


def in_process(home: Path, ctx: RunContext, n: int) -> dict[str, Latency]:
    """The same three use cases called directly (no HTTP), one at a time, as demo-alice."""
    from gateway.ask.pipeline import ask
    from gateway.ask.prompt_guard import Message
    from gateway.components import Lazy
    from gateway.context import RequestContext
    from gateway.search_pipeline import governed_search_request
    from gateway.settings import load_settings
    from gateway.sql_pipeline import governed_sql
    from gateway.wiring import build_chat_model, build_gateway
    from ingestion.vectors.base import SearchMode

    gateway = build_gateway(load_settings(home=home))
    gateway.components.pii = Lazy(ctx.detector)
    try:
        request = RequestContext.create(gateway.principals.authenticate(KEY), purpose=None)
        model = build_chat_model(gateway)
        counter = iter(range(10**9))

        def search() -> object:
            body = search_body(next(counter))
            return governed_search_request(
                gateway, request, query=body["query"], collections=None,
                mode=SearchMode.HYBRID, k=body["k"],
            )  # fmt: skip

        def answer() -> object:
            question = ask_body(next(counter))["question"]
            messages = [Message(role="user", content=question)]
            return ask(gateway, request, messages=messages, collections=None, model=model)

        return {
            SQL.label: latency(lambda: governed_sql(gateway, request, sql=POINT_SQL), n=n * 4),
            SEARCH.label: latency(search, n=n),
            ASK.label: latency(answer, n=n),
        }
    finally:
        gateway.close()


def rows(cells: list[Cell], local: dict[str, Latency] | None = None) -> list[Row]:
    """Per cell: req/s, p50, p95, p99 against ``/healthz`` at the same concurrency; at
    concurrency 1 also each route against its in-process call."""
    floor = {c.concurrency: c for c in cells if c.probe is HEALTHZ}
    out: list[Row] = []
    for cell in cells:
        base = floor.get(cell.concurrency, cell)
        where = f"c={cell.concurrency}"
        note = f"{len(cell.latencies_ms)} ok, {cell.errors} errors"
        if cell.probe is HEALTHZ:
            out.append(row(NAME, f"{cell.probe.label} {where} req/s", "1/s",
                           baseline=cell.rate, hqg=cell.rate, note=note))  # fmt: skip
            for q in (50, 95, 99):
                p = cell.percentile(q)
                out.append(row(NAME, f"{cell.probe.label} {where} p{q}", "ms",
                               baseline=p, hqg=p))  # fmt: skip
            continue
        added = cell.percentile(50) - base.percentile(50)
        out.append(row(NAME, f"{cell.probe.label} {where} req/s vs /healthz", "1/s",
                       baseline=base.rate, hqg=cell.rate, note=note))  # fmt: skip
        for q in (50, 95, 99):
            extra = f"added p50 {added:.2f} ms over /healthz" if q == 50 else ""
            out.append(row(NAME, f"{cell.probe.label} {where} p{q} vs /healthz", "ms",
                           baseline=base.percentile(q), hqg=cell.percentile(q),
                           note=extra))  # fmt: skip
        if local and cell.concurrency == 1 and cell.probe.label in local:
            inproc = local[cell.probe.label]
            out.append(row(NAME, f"{cell.probe.label} c=1 p50, HTTP vs in-process", "ms",
                           baseline=inproc.p50_ms, hqg=cell.percentile(50),
                           note=f"in-process p95 {inproc.p95_ms:.2f} ms"))  # fmt: skip
    return out


def server_lines(log: Path) -> dict[str, dict[str, Any]]:
    """The server's one log line per HTTP request (``hqg.http``), by request id."""
    found: dict[str, dict[str, Any]] = {}
    for text in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if not text.startswith("{"):
            continue
        try:
            line = json.loads(text)
        except ValueError:
            continue
        if line.get("event") == "http" and isinstance(line.get("request_id"), str):
            found[line["request_id"]] = line
    return found


def server_split(log: Path, cells: list[Cell]) -> list[Row]:
    """At concurrency 1, each governed route's p50 in the server against its use case's."""
    lines = server_lines(log)
    out: list[Row] = []
    for cell in cells:
        if cell.concurrency != 1 or cell.probe is HEALTHZ:
            continue
        mine = [lines[rid] for rid in cell.request_ids if "use_case_ms" in lines.get(rid, {})]
        if not mine:
            continue
        whole = statistics.median(float(line["latency_ms"]) for line in mine)
        use_case = statistics.median(float(line["use_case_ms"]) for line in mine)
        rest = "from its log line; the rest: audit append, hop, route stack"
        out.append(row(NAME, f"{cell.probe.label} c=1 p50 in the server, use case vs whole", "ms",
                       baseline=use_case, hqg=whole, note=rest))  # fmt: skip
    return out


def _prepare(ctx: RunContext) -> Path:
    """The demo workspace (tables and documents), built with the run's shared detector."""
    from datetime import UTC, datetime

    from demo.build import build_demo
    from gateway.components import Lazy
    from gateway.settings import load_settings
    from gateway.wiring import build_components
    from ingestion.workspace import Workspace

    home = ctx.scratch / NAME / "home"
    Workspace.create(home)
    components = build_components(load_settings(home=home))
    components.pii = Lazy(ctx.detector)
    try:
        build_demo(home, components=components, reference_time=datetime(2026, 11, 1, tzinfo=UTC))
    finally:
        components.close()
    return home


def first_requests(url: str, probes: tuple[Probe, ...] = PROBES) -> dict[str, float]:
    """The latency of each probe's first request after ``/readyz`` said ready (ms)."""
    firsts: dict[str, float] = {}
    for probe in probes:
        cell = drive(url, probe, concurrency=1, seconds=60, max_requests=1)
        if cell.latencies_ms:
            firsts[probe.label] = cell.latencies_ms[0]
    return firsts


def first_rows(firsts: dict[str, float], cells: list[Cell]) -> list[Row]:
    """Each route's first request against its p50 at concurrency 1 (issue 18, goal 6)."""
    steady = {c.probe.label: c.percentile(50) for c in cells if c.concurrency == 1}
    return [
        row(NAME, f"{label} first request after ready vs c=1 p50", "ms",
            baseline=steady[label], hqg=ms, note="warm-up runs before /readyz says ready")
        for label, ms in firsts.items()
        if steady.get(label)
    ]  # fmt: skip


def run(ctx: RunContext) -> list[Row]:
    home = _prepare(ctx)
    local = in_process(home, ctx, n=25 if ctx.quick else 100)
    log = ctx.scratch / NAME / "serve.log"
    with served(home, log=log) as url:
        firsts = first_requests(url)
        cells = measure(url, seconds=2.0 if ctx.quick else 10.0)
    return rows(cells, local) + server_split(log, cells) + first_rows(firsts, cells)
