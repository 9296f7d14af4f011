"""The leakage and enforcement suites run over the tool-call and multi-turn paths too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from demo import demo_ground_truth
from demo.ground_truth import DemoGroundTruth
from evals.config import data_file
from evals.suites.enforcement import load_matrix, observe, with_paths
from evals.tool_paths import (
    PATH_KINDS,
    TOOL_OPTIONS,
    EchoingToolModel,
    path_messages,
    released_text,
)
from gateway.ask.pipeline import CHAT_ACTION, ask
from gateway.context import RequestContext
from gateway.service import Gateway
from gateway.settings import load_settings
from gateway.wiring import build_chat_model, build_gateway

pytestmark = pytest.mark.slow  # make test-fast skips it: the full tool-path matrix


@pytest.fixture(scope="module")
def gateway(demo_home: Path) -> Iterator[Gateway]:
    gw = build_gateway(load_settings(home=demo_home))
    yield gw
    gw.close()


@pytest.fixture(scope="module")
def truth() -> DemoGroundTruth:
    return demo_ground_truth(seed=7)


def test_every_chat_cell_of_the_matrix_runs_over_both_paths() -> None:
    cases = load_matrix(data_file("enforcement.yaml"))
    expanded = with_paths(cases)
    chat = [c for c in cases if c.kind == "chat"]
    for kind in PATH_KINDS:
        path = [c for c in expanded if c.kind == kind]
        assert len(path) == len(chat)
        assert [c.expect for c in path] == [c.expect for c in chat]


def test_the_paths_hold_the_matrix_decisions(gateway: Gateway) -> None:
    cases = [
        c for c in with_paths(load_matrix(data_file("enforcement.yaml"))) if c.kind in PATH_KINDS
    ]
    model = build_chat_model(gateway)
    verdicts = {c.key + c.kind: observe(gateway, c, model) for c in cases[:24]}
    assert set(verdicts.values()) == {"ok"}, verdicts


def _ticket_subject(tenant: str) -> str:
    """A ticket's own subject: a question retrieval answers with tickets full of PII."""
    from demo.data import generate_demo_data

    rows = generate_demo_data(seed=7).tables["support_tickets"]
    return next(str(row["subject"]) for row in rows if row["tenant_id"] == tenant)


def test_a_model_echoing_everything_into_a_tool_call_leaks_no_masked_pii(
    gateway: Gateway, truth: DemoGroundTruth
) -> None:
    principal = gateway.principals.find("acme-assistant")
    assert principal is not None
    outcome = ask(
        gateway,
        RequestContext.create(principal, purpose=None),
        messages=path_messages(
            "chat_tools", _ticket_subject(principal.tenant), system="You are the support assistant."
        ),
        collections=["tickets"],
        model=EchoingToolModel(),
        action=CHAT_ACTION,
        options=TOOL_OPTIONS,
    )
    assert outcome.tool_calls, "the echoing model's tool call must reach the guard"
    assert outcome.response.provenance.evidence, "the probe needs evidence to echo"
    released = released_text(outcome)
    leaked = sorted(value for value in truth.tenants[principal.tenant].pii if value in released)
    assert leaked == []
