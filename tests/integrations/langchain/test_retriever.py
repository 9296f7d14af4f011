"""The LangChain retriever returns what governed search releases, in-process and over HTTP
(FastAPI's TestClient and httpx's ASGI transport: no network)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from fastapi.testclient import TestClient
from langchain_core.documents import Document

from demo import demo_ground_truth
from gateway.service import Gateway
from hqg.errors import AccessDenied, AuthError, ParameterOutOfRange, UnknownCollection
from integrations.langchain.retriever import HqgRetriever
from transports.rest import create_app

PROVENANCE_KEYS = {
    "doc_id",
    "chunk_id",
    "collection",
    "source",
    "as_of",
    "stale",
    "content_hash",
    "score",
    "decision_id",
}
BASE = "http://hqg.test"


def _assert_released(documents: list[Document], *, tenant: str) -> None:
    assert documents
    truth = demo_ground_truth(seed=7)
    for document in documents:
        assert set(document.metadata) >= PROVENANCE_KEYS
        assert document.metadata["collection"] == "tickets"
        assert str(document.metadata["doc_id"]).startswith(f"{tenant}/")
        assert len(document.metadata["content_hash"]) == 64
    text = json.dumps([d.model_dump() for d in documents], default=str)
    assert not [value for value in truth.tenants[tenant].pii if value in text]
    assert not [value for value in truth.other_tenants_pii(tenant) if value in text]


def test_in_process_retriever_returns_masked_documents_with_provenance(gateway: Gateway) -> None:
    retriever = HqgRetriever.in_process(gateway, api_key="demo-alice", collections=["tickets"], k=5)
    documents = retriever.invoke("I would like to return my order")
    assert len(documents) == 5
    _assert_released(documents, tenant="acme")
    assert any("<PERSON_" in d.page_content for d in documents)
    assert len({d.metadata["decision_id"] for d in documents}) == 1


def test_http_retriever_matches_the_in_process_one(gateway: Gateway, client: TestClient) -> None:
    query = "I would like to return my order"
    local = HqgRetriever.in_process(gateway, api_key="demo-alice", collections=["tickets"], k=4)
    remote = HqgRetriever.over_http(
        BASE, api_key="demo-alice", client=client, collections=["tickets"], k=4
    )
    documents = remote.invoke(query)
    _assert_released(documents, tenant="acme")
    here = local.invoke(query)
    assert [d.metadata["chunk_id"] for d in documents] == [d.metadata["chunk_id"] for d in here]
    # one mapping for both: the same metadata keys and the wire's as-of form ("...Z")
    assert [sorted(d.metadata) for d in documents] == [sorted(d.metadata) for d in here]
    assert [d.metadata["as_of"] for d in documents] == [d.metadata["as_of"] for d in here]
    assert all(str(d.metadata["as_of"]).endswith("Z") for d in here)


def test_async_http_retriever_over_the_asgi_transport(gateway: Gateway) -> None:
    app = create_app(gateway)

    async def fetch() -> list[Document]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as async_client:
            retriever = HqgRetriever.over_http(
                BASE,
                api_key="demo-carol",
                async_client=async_client,
                collections=["tickets"],
                k=3,
            )
            return await retriever.ainvoke("where is my refund")

    documents = asyncio.run(fetch())
    assert len(documents) == 3
    _assert_released(documents, tenant="globex")


def test_errors_are_raised_not_returned_as_documents(gateway: Gateway, client: TestClient) -> None:
    hidden = HqgRetriever.over_http(BASE, api_key="demo-alice", client=client, collections=["hr"])
    with pytest.raises(UnknownCollection) as caught:  # invisible to alice: like a missing one
        hidden.invoke("salary")
    assert caught.value.message == "no such collection: hr"
    with pytest.raises(UnknownCollection):
        HqgRetriever.in_process(gateway, api_key="demo-alice", collections=["hr"]).invoke("pay")
    with pytest.raises(AccessDenied):
        HqgRetriever.over_http(BASE, api_key="demo-sec", client=client).invoke("refund")
    with pytest.raises(AuthError):
        HqgRetriever.over_http(BASE, api_key="wrong", client=client).invoke("refund")
    with pytest.raises(ParameterOutOfRange) as too_many:
        HqgRetriever.over_http(BASE, api_key="demo-alice", client=client, k=10_000).invoke("x")
    assert too_many.value.parameter == "k"
    with pytest.raises(ParameterOutOfRange):
        HqgRetriever.in_process(gateway, api_key="demo-alice", k=10_000).invoke("x")
