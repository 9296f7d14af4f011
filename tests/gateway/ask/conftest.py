"""Fixtures for answering: the demo gateway, an HTTP client, and clients over a fake chat model.

The fake is LangChain's ``FakeListChatModel``: deterministic canned replies standing in for a
remote LLM (the one thing tests may replace). Everything else is the real stack.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.api import create_app
from gateway.ask.langchain_model import LangChainAnswerer
from gateway.demo import demo_ground_truth
from gateway.demo.ground_truth import DemoGroundTruth
from gateway.service import Gateway, build_gateway
from gateway.settings import load_settings


@pytest.fixture(scope="module")
def gateway(demo_home: Path) -> Iterator[Gateway]:
    gw = build_gateway(load_settings(home=demo_home))
    yield gw
    gw.close()


@pytest.fixture(scope="module")
def client(gateway: Gateway) -> Iterator[TestClient]:
    with TestClient(create_app(gateway), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def truth() -> DemoGroundTruth:
    return demo_ground_truth(seed=7)


@pytest.fixture
def fake_client(gateway: Gateway) -> Callable[[list[str]], TestClient]:
    """A client whose chat model replies with the given texts, in order (no lifespan: the
    module's gateway stays open)."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    def build(replies: list[str]) -> TestClient:
        app = create_app(gateway)
        app.state.chat_model = LangChainAnswerer(
            FakeListChatModel(responses=replies), name="fake-list"
        )
        return TestClient(app, raise_server_exceptions=False)

    return build


def auth(key: str, purpose: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {key}"}
    if purpose:
        headers["X-Purpose"] = purpose
    return headers
