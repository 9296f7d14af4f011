"""The demo gateway answering through a real ``ChatOpenAI`` to a fake upstream on loopback.

hqg is configured as an operator would: ``backend = "langchain"``, one upstream model under the
id ``support-llm`` and the alias ``gpt-4o``. Clients (the unmodified ``openai`` client and
LangChain's ``ChatOpenAI``) reach hqg in process through the ``TestClient`` as their HTTP
client; hqg reaches the fake upstream over real HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from fastapi.testclient import TestClient

from demo import demo_ground_truth
from demo.ground_truth import DemoGroundTruth
from gateway.service import Gateway
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from tests.transports.openai.fake_upstream import FakeUpstream, Served
from transports.rest import create_app

UPSTREAM_ID, ALIAS, UPSTREAM_NAME = "support-llm", "gpt-4o", "fake-gpt"


@pytest.fixture(scope="session")
def truth() -> DemoGroundTruth:
    return demo_ground_truth(seed=7)


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeUpstream]:
    fake = FakeUpstream()
    served = Served(fake)
    yield fake
    served.stop()


@pytest.fixture(scope="module")
def gateway(demo_home: Path, upstream: FakeUpstream) -> Iterator[Gateway]:
    settings = load_settings(
        home=demo_home,
        answer={
            "backend": "langchain",
            "base_url": upstream.url,
            "api_key": "sk-fake",
            "models": {UPSTREAM_ID: UPSTREAM_NAME},
            "aliases": {ALIAS: UPSTREAM_ID},
        },
    )
    gw = build_gateway(settings)
    yield gw
    gw.close()


@pytest.fixture(scope="module")
def client(gateway: Gateway) -> Iterator[TestClient]:
    with TestClient(create_app(gateway), raise_server_exceptions=False) as test_client:
        yield test_client


def openai_client(client: TestClient, key: str) -> openai.OpenAI:
    return openai.OpenAI(
        api_key=key, base_url="http://testserver/v1", http_client=client, max_retries=0
    )


def auth(key: str, purpose: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {key}"}
    if purpose:
        headers["X-Purpose"] = purpose
    return headers
