"""Bounded concurrent load: N client threads, each with its own HTTP connection, a mixed call
list, a deadline and a request cap; every outcome kept for the assertions.

Checks that matter under concurrency live here too: PII canaries a principal must never
receive, and pseudonym numbering that must restart at 1 in every response (a vault shared
between requests would keep counting).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from demo.ground_truth import DemoGroundTruth

PSEUDONYM = re.compile(r"<([A-Z][A-Z_]*[A-Z])_(\d+)>")


@dataclass(frozen=True)
class Call:
    endpoint: str  # "sql", "search", "ask": the label latencies are reported under
    key: str  # a demo API key
    path: str
    body: Mapping[str, Any]


@dataclass(frozen=True)
class Outcome:
    call: Call
    status: int  # 0: the request failed at the transport level
    text: str = field(repr=False)  # a failing assertion must not print served data
    started: float  # time.monotonic() when sent
    finished: float

    @property
    def seconds(self) -> float:
        return self.finished - self.started

    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def error_code(self) -> str | None:
        try:
            error = self.json().get("error")
        except (ValueError, AttributeError):
            return None
        return str(error.get("code")) if isinstance(error, dict) else None


@dataclass
class Load:
    """Shared state of one run: the cap, the stop flag and the outcomes."""

    max_requests: int
    stop: threading.Event = field(default_factory=threading.Event)
    outcomes: list[Outcome] = field(default_factory=list)
    _sent: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take_ticket(self) -> bool:
        with self._lock:
            if self._sent >= self.max_requests or self.stop.is_set():
                return False
            self._sent += 1
            return True

    def record(self, outcome: Outcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)


def _send(client: httpx.Client, call: Call) -> Outcome:
    headers = {"Authorization": f"Bearer {call.key}"}
    started = time.monotonic()
    try:
        response = client.post(call.path, json=dict(call.body), headers=headers)
        status, text = response.status_code, response.text
    except httpx.HTTPError as exc:
        status, text = 0, type(exc).__name__
    return Outcome(call, status, text, started, time.monotonic())


def _client_loop(base_url: str, calls: Sequence[Call], offset: int, load: Load) -> None:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        i = offset
        while load.take_ticket():
            load.record(_send(client, calls[i % len(calls)]))
            i += 1


def run_load(
    base_url: str,
    calls: Sequence[Call],
    *,
    clients: int,
    seconds: float,
    max_requests: int,
    during: Callable[[Load], None] | None = None,
) -> list[Outcome]:
    """Run ``clients`` threads until ``seconds`` pass or ``max_requests`` are sent.

    ``during`` runs on the calling thread while the clients work (e.g. to stop a backend
    mid-load); the deadline still applies.
    """
    load = Load(max_requests=max_requests)
    stride = max(1, len(calls) // clients)
    threads = [
        threading.Thread(target=_client_loop, args=(base_url, calls, n * stride + n, load))
        for n in range(clients)
    ]
    timer = threading.Timer(seconds, load.stop.set)
    timer.start()
    for thread in threads:
        thread.start()
    try:
        if during is not None:
            during(load)
    finally:
        for thread in threads:
            thread.join(timeout=seconds + 120)
        timer.cancel()
    return sorted(load.outcomes, key=lambda o: o.started)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def latency_table(outcomes: Iterable[Outcome]) -> dict[str, dict[str, float]]:
    """Per endpoint: request count, p50 and p99 in milliseconds."""
    by_endpoint: dict[str, list[float]] = defaultdict(list)
    for outcome in outcomes:
        by_endpoint[outcome.call.endpoint].append(outcome.seconds * 1000)
    return {
        endpoint: {
            "n": len(ms),
            "p50_ms": round(percentile(ms, 50), 1),
            "p99_ms": round(percentile(ms, 99), 1),
        }
        for endpoint, ms in sorted(by_endpoint.items())
    }


def served_text(outcome: Outcome) -> str:
    """The body as the client reads it (JSON escapes undone) for canary searches."""
    try:
        return json.dumps(outcome.json(), ensure_ascii=False)
    except ValueError:
        return outcome.text


def forbidden_canaries(truth: DemoGroundTruth, key: str) -> frozenset[str]:
    """PII the principal behind ``key`` must never receive in the demo."""
    if key == "demo-bob":  # acme support: acme's PII for support, never another tenant's
        return truth.other_tenants_pii("acme")
    if key == "demo-dana":  # the steward sees every tenant unmasked
        return frozenset()
    return frozenset().union(*(tenant.pii for tenant in truth.tenants.values()))


def pseudonym_gaps(text: str) -> dict[str, list[int]]:
    """Entity types whose ``<TYPE_n>`` numbers are not exactly 1..max within ``text``."""
    seen: dict[str, set[int]] = defaultdict(set)
    for entity, number in PSEUDONYM.findall(text):
        seen[entity].add(int(number))
    return {
        entity: sorted(numbers)
        for entity, numbers in seen.items()
        if numbers != set(range(1, max(numbers) + 1))
    }


def unmasked_chunks(outcomes: Iterable[Outcome], keys: Iterable[str]) -> dict[str, str]:
    """``chunk_id -> text`` from search responses served unmasked (to ``keys``)."""
    wanted = set(keys)
    chunks: dict[str, str] = {}
    for outcome in outcomes:
        if outcome.call.key not in wanted or outcome.call.endpoint != "search":
            continue
        if outcome.status == 200:
            for result in outcome.json()["results"]:
                if not PSEUDONYM.search(result["text"]):
                    chunks[result["chunk_id"]] = result["text"]
    return chunks


def _aligned(masked: str, raw: str) -> list[tuple[str, str]] | None:
    """``(token, value)`` pairs of a masked text laid over its unmasked text, or None."""
    tokens = [m.group(0) for m in PSEUDONYM.finditer(masked)]
    literals = PSEUDONYM.split(masked)[::3]  # split keeps the 2 groups: literal, g1, g2, ...
    match = re.fullmatch("(.+?)".join(map(re.escape, literals)), raw, flags=re.DOTALL)
    return None if match is None else list(zip(tokens, match.groups(), strict=True))


def pseudonym_conflicts(outcome: Outcome, unmasked: Mapping[str, str]) -> list[str]:
    """Within one search response: a token standing for two values, or a value behind two
    tokens of one type. Returns descriptions (token names only, never values)."""
    meaning: dict[str, str] = {}
    token_of: dict[tuple[str, str], str] = {}
    problems: list[str] = []
    for result in outcome.json()["results"]:
        raw = unmasked.get(result["chunk_id"])
        if raw is None or not PSEUDONYM.search(result["text"]):
            continue
        pairs = _aligned(result["text"], raw)
        if pairs is None:
            problems.append(f"chunk {result['chunk_id']} does not align with its unmasked text")
            continue
        for token, value in pairs:
            entity = token[1:].rpartition("_")[0]
            if meaning.setdefault(token, value) != value:
                problems.append(f"{token} stands for two values")
            if token_of.setdefault((entity, value), token) != token:
                problems.append(f"one {entity} value is behind two tokens")
    return problems
