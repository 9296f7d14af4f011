"""The question of an ask request is run through the PII models once: the prompt guard's spans
also mask the query the masked view is searched with (issue 11's latency budget)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.service import Gateway
from tests.conftest import auth

pytestmark = pytest.mark.slow  # make test-fast skips it: a gateway of its own for one count

QUESTION = "What did Michael Brown ask about the refund window?"


def test_the_question_is_detected_once_on_the_ask_path(
    gateway: Gateway, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    composite = gateway.components.pii.get()
    seen: list[str] = []

    def counted(name: str) -> Any:
        original = getattr(composite, name)

        def call(texts: Sequence[str] | str) -> Any:
            seen.extend([texts] if isinstance(texts, str) else texts)
            return original(texts)

        return call

    for name in ("detect", "detect_many"):
        monkeypatch.setattr(composite, name, counted(name))
    response = client.post("/v1/ask", json={"question": QUESTION}, headers=auth("demo-alice"))
    assert response.status_code == 200, response.text[:300]
    # the question, and no masked copy of it (the answer is scanned too, as model text)
    assert [text for text in seen if "ask about the refund window" in text] == [QUESTION]
