"""Write-side red team: an adversarial corpus ingested into a copy of the demo workspace with
the real pipeline (PII detector, embedding model, qdrant-edge), then read back over HTTP as
demo-alice, demo-assistant and demo-carol and compared with the steward (demo-dana).

Every case asserts: no cross-tenant read or overwrite, the hostile file fails alone and named,
the rest of the run publishes, and the run stays within a generous time bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rich.console import Console
from typer.testing import CliRunner

from cli.app import _register, app
from cli.ingest import print_doc_report
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from ingestion.contracts import Classification
from ingestion.documents.catalog import DocumentCatalog
from ingestion.documents.pipeline import ingest_documents
from ingestion.documents.report import Action, DocRunReport
from ingestion.documents.tenancy import Tenancy
from ingestion.limits import IngestLimits
from ingestion.workspace import Workspace
from tests.security.ingest.corpus import ATTACKS, LEGIT, write
from tests.workspaces import components_for, copy_workspace
from transports.rest import create_app

#: Slow (ingests an adversarial corpus with the real PII detector and embedding model):
#: CI runs it (``make test``), the fast lane skips it.
pytestmark = pytest.mark.slow


COLLECTION = "intake"
#: A small byte limit so the "huge file" case stays cheap to generate.
LIMITS = IngestLimits(max_file_bytes=1_000_000)
RUN_BOUND_SECONDS = 300  # generous: the machine is shared; a cubic regex alone took 39 s

_register()  # the CLI's command groups, as `hqg` attaches them in main()


@dataclass(frozen=True)
class DemoAttack:
    """An acme ticket naming a real globex ticket's id, ingested into the demo's own
    ``tickets`` with ``--tenant acme``, then the routine root ingest without a tenant."""

    victim: str  # the globex ticket's doc id
    pinned: DocRunReport
    routine: DocRunReport


Attacked = tuple[Path, DocRunReport, float, DemoAttack]


@pytest.fixture(scope="module")
def attacked(
    demo_home: Path, tmp_path_factory: pytest.TempPathFactory, detector: Any, embedder: Any
) -> Attacked:
    """The demo copied, the honest tickets ingested, then the attack run over the same root;
    then the same attack on the demo's own tickets (all before any reader opens the index)."""
    base = tmp_path_factory.mktemp("write-side")
    home = base / "home"
    copy_workspace(demo_home, home)
    root = base / "intake"
    write(root, LEGIT)
    components = components_for(home, detector, embedder)

    def run(path: Path, collection: str, **options: Any) -> DocRunReport:
        return ingest_documents(
            Workspace.open(home),
            path,
            collection=collection,
            detector=detector,
            injection=components.injection.get(),
            embedder=embedder,
            writer=components.writer,
            limits=LIMITS,
            **options,
        )

    intake = {"tenancy": Tenancy.PATH, "classification": Classification.INTERNAL}
    try:
        run(root, COLLECTION, **intake)
        write(root, ATTACKS)
        started = time.monotonic()
        report = run(root, COLLECTION, **intake)
        elapsed = time.monotonic() - started
        demo = _attack_the_demo(home, run)
    finally:
        components.close()
    return home, report, elapsed, demo


def _attack_the_demo(home: Path, run: Callable[..., DocRunReport]) -> DemoAttack:
    catalog = DocumentCatalog(Workspace.open(home).catalog_path)
    victim = next(r.doc_id for r in catalog.documents("tickets") if r.doc_id.startswith("globex/"))
    tickets = home / "demo-docs" / "tickets"
    attacker = tickets / "acme" / "zz-takeover.md"
    attacker.write_text(
        f"---\nid: {victim}\n---\n# Ticket\n\nATTACKDEMO refund approved for this order.\n",
        encoding="utf-8",
    )
    pinned = run(tickets / "acme", "tickets", tenant="acme")
    routine = run(tickets, "tickets")
    return DemoAttack(victim=victim, pinned=pinned, routine=routine)


@pytest.fixture(scope="module")
def client(attacked: Attacked) -> Iterator[TestClient]:
    gateway = build_gateway(load_settings(home=attacked[0]))
    with TestClient(create_app(gateway), raise_server_exceptions=False) as test_client:
        yield test_client
    gateway.close()


def _results(client: TestClient, key: str, query: str) -> list[dict[str, Any]]:
    response = client.post(
        "/v1/search",
        json={"query": query, "collections": [COLLECTION], "k": 20, "mode": "lexical"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def test_every_hostile_file_fails_alone_named_and_the_rest_publishes(
    attacked: Attacked,
) -> None:
    _, report, elapsed, _ = attacked
    assert elapsed < RUN_BOUND_SECONDS
    outcomes = {o.source: o for o in report.outcomes}
    for case in ATTACKS:
        if case.skipped:
            continue
        outcome = outcomes[case.path]
        if case.fails is None:
            assert outcome.action is Action.ADDED, (case.path, outcome.reasons)
        else:
            assert outcome.action is Action.FAILED, case.path
            assert case.fails in " ".join(outcome.reasons), (case.path, outcome.reasons)
    skipped = [o for o in report.outcomes if o.action is Action.SKIPPED]
    assert len(skipped) == sum(case.skipped for case in ATTACKS)
    assert all(o.source.isascii() and o.source.isprintable() for o in skipped)
    legit = {case.path for case in LEGIT}
    assert {o.action for o in report.outcomes if o.source in legit} == {Action.UNCHANGED}


def test_hqg_search_prints_stored_markup_literally(
    attacked: Attacked,
) -> None:
    # runs before the HTTP tests: their gateway holds the embedded index open
    result = CliRunner().invoke(
        app,
        ["search", "MARKUPMARK oops", "--key", "demo-alice", "-c", COLLECTION,
         "--mode", "lexical", "--home", str(attacked[0])],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "[/oops]" in result.output
    assert "[link=https://evil.example]" in result.output


@pytest.mark.parametrize("key", ["demo-alice", "demo-assistant"])
def test_acme_readers_never_read_globex_and_see_the_attack_only_in_acme(
    client: TestClient, key: str
) -> None:
    results = _results(client, key, "ticket invoice refund GLOBEXORIG ATTACKCROSS ACMETWO")
    assert results
    assert {r["doc_id"].split("/")[0] for r in results} == {"acme"}
    text = " ".join(r["text"] for r in results)
    assert "GLOBEXORIG" not in text
    assert "ATTACKSAME" not in text
    assert "ACMETWO" in text  # the sibling's ticket is intact
    by_id = {r["doc_id"]: r["text"] for r in results}
    assert "ATTACKCROSS" in by_id.get("acme/globex/ticket-0201", "")


def test_globex_reads_its_own_ticket_not_the_attackers(client: TestClient) -> None:
    results = _results(client, "demo-carol", "ticket invoice refund GLOBEXORIG ATTACKCROSS")
    assert {r["doc_id"] for r in results} == {"globex/ticket-0201"}
    text = " ".join(r["text"] for r in results)
    assert "GLOBEXORIG" in text
    assert "ATTACK" not in text


def test_the_steward_sees_no_overwrite_and_no_tenantless_document(
    client: TestClient, attacked: tuple[Path, DocRunReport, float]
) -> None:
    results = _results(client, "demo-dana", "ticket GLOBEXORIG ATTACKCROSS ATTACKLOOSE ACMETWO")
    by_id = {r["doc_id"]: r["text"] for r in results}
    assert "GLOBEXORIG" in by_id["globex/ticket-0201"]
    assert "ATTACK" not in by_id["globex/ticket-0201"]
    assert "ACMETWO" in by_id["acme/ticket-0002"]
    assert not any("ATTACKLOOSE" in text for text in by_id.values())
    catalog = DocumentCatalog(Workspace.open(attacked[0]).catalog_path)
    for collection in catalog.collections():
        for record in catalog.documents(collection.name):
            if record.status.value in ("indexed", "quarantined"):
                assert record.tenant is not None or record.all_tenants, record.doc_id


def test_demo_collections_declare_their_tenancy(attacked: Attacked) -> None:
    catalog = DocumentCatalog(Workspace.open(attacked[0]).catalog_path)
    tenancy = {c.name: c.tenancy for c in catalog.collections()}
    assert tenancy["products"] is Tenancy.ALL_TENANTS
    assert {tenancy[name] for name in ("handbook", "tickets", "hr")} == {Tenancy.PATH}


def test_products_for_every_tenant_reach_each_tenant(client: TestClient) -> None:
    for key in ("demo-alice", "demo-carol"):
        response = client.post(
            "/v1/search",
            json={"query": "product guide", "collections": ["products"], "k": 3},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert {r["doc_id"].split("/")[0] for r in results} == {"_all"}
        assert all(r["all_tenants"] is True for r in results)  # visible in provenance


def test_the_ingest_report_prints_hostile_names_and_keys_literally() -> None:
    console = Console(record=True, width=400)
    report = DocRunReport.model_validate(
        {
            "run_id": "r",
            "collection": "c",
            "source_path": "/x",
            "is_root": True,
            "started_at": "2026-01-01T00:00:00Z",
            "finished_at": "2026-01-01T00:00:01Z",
            "outcomes": [
                {
                    "source": "a\u202e[/nope].md",
                    "action": "failed",
                    "reasons": ["front matter: metadata.[/nope]: bad key \x1b[2J"],
                }
            ],
        }
    )
    print_doc_report(console, report)
    shown = console.export_text()
    assert "[/nope]" in shown
    assert "\u202e" not in shown
    assert "\x1b" not in shown


def test_on_the_demo_an_acme_ticket_naming_a_globex_ticket_never_replaces_it(
    attacked: Attacked, client: TestClient
) -> None:
    demo = attacked[3]
    (outcome,) = [o for o in demo.pinned.outcomes if o.source.endswith("zz-takeover.md")]
    assert outcome.doc_id == f"acme/{demo.victim}"
    assert all(o.action is not Action.DELETED for o in demo.routine.outcomes)
    assert all(o.action is not Action.FAILED for o in demo.routine.outcomes)
    for key in ("demo-carol", "demo-dana"):
        response = client.post(
            "/v1/search",
            json={"query": "ATTACKDEMO refund", "collections": ["tickets"], "k": 20,
                  "mode": "lexical"},
            headers={"Authorization": f"Bearer {key}"},
        )  # fmt: skip
        assert response.status_code == 200, response.text
        for result in response.json()["results"]:
            if result["doc_id"] == demo.victim:
                assert "ATTACKDEMO" not in result["text"]
            if key == "demo-carol":
                assert "ATTACKDEMO" not in result["text"]
                assert result["doc_id"].startswith("globex/")
