"""Fixtures for answering: the demo gateway, an HTTP client, and clients over a fake chat model.

The fake is LangChain's ``FakeListChatModel``: deterministic canned replies standing in for a
remote LLM (the one thing tests may replace). Everything else is the real stack.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from gateway.ask.langchain_model import LangChainAnswerer
from gateway.service import Gateway
from transports.rest import create_app


@pytest.fixture
def fake_client(gateway: Gateway) -> Callable[[list[str]], TestClient]:
    """A client whose chat model replies with the given texts, in order (no lifespan: the
    module's gateway stays open)."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    def build(replies: list[str]) -> TestClient:
        model = LangChainAnswerer(FakeListChatModel(responses=replies), name="fake-list")
        app = create_app(gateway, chat_model=model)
        return TestClient(app, raise_server_exceptions=False)

    return build


def auth(key: str, purpose: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {key}"}
    if purpose:
        headers["X-Purpose"] = purpose
    return headers
