"""Many principals at once against one ``hqg serve``: no 5xx, and nothing crosses requests.

Eight clients mix governed SQL, search (and answers, once ``/v1/ask`` exists) as five demo
principals for a bounded time. Unmasked responses (acme support, the steward) are in flight
beside masked ones (analysts, the acme assistant): if any per-request state leaked (a shared
pseudonym vault, a cached mask, a reused decision), a masked principal would receive a PII
canary, or pseudonyms that do not restart at ``<PERSON_1>``, or a token that means two people.
Latencies are printed (``pytest -s``), never asserted.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx
import pytest

from demo.ground_truth import DemoGroundTruth
from tests.load.calls import MASKED, UNMASKED, mixed_calls
from tests.load.harness import (
    PSEUDONYM,
    Outcome,
    forbidden_canaries,
    latency_table,
    pseudonym_conflicts,
    pseudonym_gaps,
    run_load,
    served_text,
    unmasked_chunks,
)
from tests.load.served import serve

CLIENTS = 8
SECONDS = 15.0
MAX_REQUESTS = 3000


def _leaks(outcomes: list[Outcome], truth: DemoGroundTruth) -> list[tuple[str, str, int]]:
    """(key, endpoint, number of canaries) per leaking response; never the values."""
    found = []
    for outcome in outcomes:
        text = served_text(outcome)
        hits = sum(value in text for value in forbidden_canaries(truth, outcome.call.key))
        if hits:
            found.append((outcome.call.key, outcome.call.endpoint, hits))
    return found


def _print_report(outcomes: list[Outcome], seconds: float) -> None:
    print(f"\n{len(outcomes)} requests, {CLIENTS} clients, {seconds:.1f} s")
    for endpoint, row in latency_table(outcomes).items():
        print(f"  {endpoint:<7} n={row['n']:<5} p50={row['p50_ms']} ms  p99={row['p99_ms']} ms")


@pytest.mark.slow
def test_concurrent_principals_get_only_what_policy_releases_and_no_5xx(
    workspace: Path, tmp_path: Path, truth: DemoGroundTruth
) -> None:
    with serve(workspace, log=tmp_path / "server.log") as url:
        ask = "/v1/ask" in httpx.get(f"{url}/openapi.json").json()["paths"]
        calls = mixed_calls(ask=ask)
        first = list({c.endpoint: c for c in reversed(calls)}.values())  # loads the models
        warm = run_load(url, first, clients=1, seconds=120, max_requests=len(first))
        assert {o.status for o in warm} == {200}, Counter((o.call.path, o.status) for o in warm)
        outcomes = run_load(url, calls, clients=CLIENTS, seconds=SECONDS, max_requests=MAX_REQUESTS)
    elapsed = outcomes[-1].finished - outcomes[0].started
    _print_report(outcomes, elapsed)

    statuses = Counter((o.call.endpoint, o.status) for o in outcomes)
    assert {status for _, status in statuses} == {200}, statuses
    assert {o.call.key for o in outcomes} >= set(MASKED) | set(UNMASKED)
    assert _leaks(outcomes, truth) == []
    bob = [served_text(o) for o in outcomes if o.call.key == "demo-bob"]
    assert any(v in text for text in bob for v in truth.tenants["acme"].pii), (
        "raw PII was in flight beside the masked responses"
    )

    # Search responses carry every masked chunk they numbered: numbering is exactly 1..n per
    # entity type, and each token means one value. (Answers cite a subset of their evidence,
    # so only the canary check applies to them.)
    searches = [o for o in outcomes if o.call.key in MASKED and o.call.endpoint == "search"]
    gaps = [(o.call.key, pseudonym_gaps(served_text(o))) for o in searches]
    assert [gap for gap in gaps if gap[1]] == []
    unmasked = unmasked_chunks(outcomes, UNMASKED)
    compared = sum(
        1
        for o in searches
        for r in o.json()["results"]
        if r["chunk_id"] in unmasked and PSEUDONYM.search(r["text"])
    )
    assert compared > 0, "no masked chunk could be compared with its unmasked text"
    assert [p for o in searches for p in pseudonym_conflicts(o, unmasked)] == []
