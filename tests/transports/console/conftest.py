"""A console over a private copy of the demo workspace (its audit log holds only what the
module does), and a signed-in browser-less client."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.service import Gateway
from tests.conftest import truth  # noqa: F401  (session fixture)
from tests.workspaces import copy_workspace
from transports.rest import create_app

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(scope="module")
def home(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("console") / "home"
    copy_workspace(demo_home, copy)
    for name in ("audit.jsonl", "audit.head", "usage.jsonl"):
        for found in copy.rglob(name):
            found.unlink()
    return copy


@pytest.fixture(scope="module")
def app_client(client: TestClient) -> TestClient:
    """The root conftest's app client over this module's private workspace (``home``)."""
    return client


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, key: str) -> TestClient:
    """Sign ``client`` in with ``key`` (it keeps the session cookie)."""
    form = client.get("/console/signin")
    client.post(
        "/console/signin",
        data={"api_key": key, "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    return client


def fresh_client(gateway: Gateway) -> TestClient:
    """A client with no cookies over the module's gateway (no lifespan: it stays open)."""
    return TestClient(create_app(gateway), raise_server_exceptions=False)


@pytest.fixture
def sec(gateway: Gateway) -> TestClient:
    """A fresh client signed in as demo-sec (the security role)."""
    return sign_in(fresh_client(gateway), "demo-sec")
