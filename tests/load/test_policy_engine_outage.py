"""The OPA server goes away mid-load: every request is refused with 503, nothing is served.

The gateway runs with ``HQG_POLICY__ENGINE=opa`` against an OPA stand-in on loopback (OPA's
REST API, OPA's own evaluator; see ``opa_standin``). Under load the stand-in is stopped, then
restarted on the same port: requests sent while it is down must all fail closed with
``policy_engine_error`` and an error body only, ``/readyz`` must say so, and service must come
back by itself once OPA answers again (no gateway restart).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from demo.ground_truth import DemoGroundTruth
from tests.load.calls import mixed_calls
from tests.load.harness import Load, Outcome, forbidden_canaries, latency_table, run_load
from tests.load.opa_standin import OpaStandIn
from tests.load.served import serve, wait_until_ready

UP_SECONDS = 4.0  # serving through OPA before the outage
DOWN_SECONDS = 4.0
TOTAL_SECONDS = 12.0
KEYS = ("demo-alice", "demo-bob", "demo-carol", "demo-assistant")


@pytest.fixture
def opa() -> Iterator[OpaStandIn]:
    standin = OpaStandIn()
    standin.start()
    yield standin
    standin.stop()


def _is_refusal(outcome: Outcome) -> bool:
    return (
        outcome.status == 503
        and outcome.error_code == "policy_engine_error"
        and set(outcome.json()) == {"error"}
    )


def _brief(outcome: Outcome) -> tuple[str, str, int, str | None]:
    return outcome.call.key, outcome.call.endpoint, outcome.status, outcome.error_code


@pytest.mark.slow
def test_policy_engine_outage_mid_load_fails_closed_and_recovers(
    workspace: Path, tmp_path: Path, opa: OpaStandIn, truth: DemoGroundTruth
) -> None:
    env = {
        "HQG_POLICY__ENGINE": "opa",
        "HQG_POLICY__OPA_URL": opa.url,
        "HQG_POLICY__TIMEOUT_MS": "500",
    }
    marks: dict[str, float] = {}
    readiness: dict[str, httpx.Response] = {}
    calls = mixed_calls(keys=KEYS)

    with serve(workspace, log=tmp_path / "server.log", env=env) as url:

        def outage(load: Load) -> None:
            time.sleep(UP_SECONDS)
            opa.stop()
            marks["down"] = time.monotonic()
            readiness["down"] = httpx.get(f"{url}/readyz", timeout=10)
            time.sleep(DOWN_SECONDS)
            marks["restarting"] = time.monotonic()
            opa.start()
            marks["up"] = time.monotonic()

        wait_until_ready(url)  # ready once the start-up warm-up has finished
        first = list({c.endpoint: c for c in calls}.values())  # loads the embedding model
        warm = run_load(url, first, clients=1, seconds=120, max_requests=len(first))
        assert {o.status for o in warm} == {200}
        outcomes = run_load(
            url, calls, clients=6, seconds=TOTAL_SECONDS, max_requests=2000, during=outage
        )
        readiness["after"] = httpx.get(f"{url}/readyz", timeout=10)

    before = [o for o in outcomes if o.finished < marks["down"]]
    during = [o for o in outcomes if o.started > marks["down"] and o.finished < marks["restarting"]]
    after = [o for o in outcomes if o.started > marks["up"]]
    print(
        f"\nOPA outage: {len(before)} served before, {len(during)} refused during,"
        f" {len(after)} after; latency {latency_table(outcomes)}"
    )
    assert Counter(o.status for o in before) == Counter({200: len(before)})
    assert len(during) >= 10
    assert [_brief(o) for o in during if not _is_refusal(o)] == []
    assert [
        o.call.key
        for o in during
        if any(v in o.text for v in forbidden_canaries(truth, "demo-assistant"))
    ] == []
    assert after
    assert Counter(o.status for o in after) == Counter({200: len(after)})
    assert [_brief(o) for o in outcomes if o.status != 200 and not _is_refusal(o)] == []

    down = readiness["down"]
    assert down.status_code == 503
    assert down.json()["checks"]["policy"] == "policy_engine_error"
    assert readiness["after"].status_code == 200
