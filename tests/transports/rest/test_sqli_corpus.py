"""The payloadbox SQL-injection corpus through ``/v1/sql``: never a 5xx, never a leaked value.

Each payload is sent as the whole query, and spliced into a query the way a careless agent
would concatenate user text. Whatever the guard lets through runs governed, so alice (acme
analyst, no PII) must never receive a PII value of any tenant.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from demo.ground_truth import DemoGroundTruth
from tests.conftest import CORPORA, auth

PAYLOADS = CORPORA / "sqli-payloads" / "payloadbox" / "Intruder"


def _payloads() -> list[str]:
    lines: set[str] = set()
    for path in sorted(PAYLOADS.rglob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        lines.update(line.strip() for line in text.splitlines() if line.strip())
    return sorted(lines)


@pytest.mark.slow
@pytest.mark.skipif(not PAYLOADS.exists(), reason="shared corpora not present")
def test_injection_payloads_never_error_or_leak(client: TestClient, truth: DemoGroundTruth) -> None:
    canaries = frozenset().union(*(t.pii for t in truth.tenants.values()))
    payloads = _payloads()
    assert len(payloads) > 1000
    statuses: dict[int, int] = {}
    for payload in payloads:
        for sql in (payload, f"SELECT name, price FROM products WHERE name = '{payload}'"):
            response = client.post("/v1/sql", json={"sql": sql}, headers=auth("demo-alice"))
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert response.status_code in (200, 400, 403), (response.status_code, payload)
            if response.status_code == 200:
                text = response.text
                assert not [c for c in canaries if c in text], payload
    assert statuses.get(400, 0) > 0
