"""Model discovery: ``GET /v1/models`` lists what a client may ask for, and ``model`` selects it."""

from __future__ import annotations

import openai
import pytest
from fastapi.testclient import TestClient

from tests.transports.openai.conftest import ALIAS, UPSTREAM_ID, auth, openai_client
from tests.transports.openai.fake_upstream import FakeUpstream, Reply

pytestmark = pytest.mark.slow  # make test-fast skips it: a gateway with a fake upstream

QUESTION = "What is the refund window?"
GROUNDED = "Customers may return an unused item for a full refund within 30 days of delivery [1]."


def test_the_openai_client_lists_hqg_the_upstream_model_and_its_alias(client: TestClient) -> None:
    listed = {m.id: m for m in openai_client(client, "demo-alice").models.list()}
    assert list(listed) == ["hqg", UPSTREAM_ID, ALIAS]
    assert listed["hqg"].owned_by == "hqg"
    assert listed[UPSTREAM_ID].owned_by == "upstream"
    assert (listed[ALIAS].model_extra or {})["hqg_alias_of"] == UPSTREAM_ID


def test_one_model_is_retrieved_by_id_and_an_unknown_one_is_openais_404(
    client: TestClient,
) -> None:
    api = openai_client(client, "demo-alice")
    assert api.models.retrieve(UPSTREAM_ID).id == UPSTREAM_ID
    with pytest.raises(openai.NotFoundError) as caught:
        api.models.retrieve("gpt-5-turbo")
    error = caught.value.body
    assert isinstance(error, dict)
    assert error["code"] == "model_not_found"
    assert "gpt-5-turbo" not in str(error)  # the caller's text is never echoed


def test_listing_models_needs_a_key(client: TestClient) -> None:
    assert client.get("/v1/models").status_code == 401
    assert client.get("/v1/models", headers=auth("demo-alice")).status_code == 200


def test_a_chat_request_naming_an_unknown_model_is_a_404_before_anything_runs(
    client: TestClient, upstream: FakeUpstream
) -> None:
    upstream.script(Reply(content=GROUNDED))
    with pytest.raises(openai.NotFoundError) as caught:
        openai_client(client, "demo-alice").chat.completions.create(
            model="no-such-model", messages=[{"role": "user", "content": QUESTION}]
        )
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["code"] == "model_not_found"
    assert caught.value.body["param"] == "model"
    assert upstream.requests == []


@pytest.mark.parametrize(
    ("requested", "answered", "calls_upstream"),
    [("hqg", "hqg", False), (UPSTREAM_ID, UPSTREAM_ID, True), (ALIAS, UPSTREAM_ID, True)],
)
def test_the_response_names_the_model_that_actually_answered(
    client: TestClient,
    upstream: FakeUpstream,
    requested: str,
    answered: str,
    calls_upstream: bool,
) -> None:
    upstream.script(Reply(content=GROUNDED))
    completion = openai_client(client, "demo-alice").chat.completions.create(
        model=requested, messages=[{"role": "user", "content": QUESTION}]
    )
    assert completion.model == answered
    assert "30 days" in (completion.choices[0].message.content or "")
    hqg = (completion.model_extra or {})["hqg"]
    assert hqg["provenance"]["model"] == answered
    assert bool(upstream.requests) is calls_upstream
    if calls_upstream:
        assert upstream.requests[0]["model"] == "fake-gpt"  # the upstream's own name
