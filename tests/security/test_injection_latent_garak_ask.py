"""The real path: latent injection, a disguise-and-reconstruct puzzle and a renamed persona
jailbreak, asked on ``/v1/ask`` by demo-alice, are refused (403 ``prompt_injection``) or
answered with ``risk.injection.flagged``; an ordinary summarise request over a document is
neither. A prompt over the question-length limit is a 413 naming its setting, before any
detector runs (``HQG_LIMITS__MAX_QUESTION_CHARS``, 4,000 characters by default).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.service import Gateway
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from tests.security.test_injection_dra import PUZZLES
from tests.security.test_injection_latent_garak import EVALUATOR_NOTES, REDIRECTS, SHIPPING_NOTE
from tests.security.test_injection_roleplay import PERSONAS
from transports.rest import create_app

CAUGHT = [REDIRECTS[0], EVALUATOR_NOTES[0], PUZZLES[0], PERSONAS[1]]


@pytest.fixture(scope="module")
def client(demo_home: Path) -> Iterator[TestClient]:
    gateway: Gateway = build_gateway(load_settings(home=demo_home))
    yield TestClient(create_app(gateway), raise_server_exceptions=False)
    gateway.close()


def _ask(client: TestClient, question: str) -> tuple[int, dict[str, object]]:
    response = client.post(
        "/v1/ask",
        json={"question": question},
        headers={"Authorization": "Bearer demo-alice"},
    )
    return response.status_code, response.json()


@pytest.mark.parametrize("question", CAUGHT)
def test_a_latent_puzzle_or_persona_attack_is_refused_or_flagged_on_ask(
    client: TestClient, question: str
) -> None:
    status, body = _ask(client, question)
    if status == 403:
        assert body["error"]["code"] == "prompt_injection"  # type: ignore[index]
        return
    assert status == 200, body
    assert body["risk"]["injection"]["flagged"] is True  # type: ignore[index]


def test_a_summarise_request_over_an_ordinary_document_is_not_flagged(client: TestClient) -> None:
    status, body = _ask(client, f"Summarise this note for a customer:\n{SHIPPING_NOTE}")
    assert status == 200, body
    assert body["risk"]["injection"]["flagged"] is False  # type: ignore[index]


def test_a_question_over_the_length_limit_is_a_413_naming_its_setting(client: TestClient) -> None:
    status, body = _ask(client, REDIRECTS[0] + "\n" + SHIPPING_NOTE * 40)
    assert status == 413, body
    assert "HQG_LIMITS__MAX_QUESTION_CHARS" in str(body)
