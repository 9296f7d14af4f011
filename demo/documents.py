"""The demo's document collections, written as Markdown files with YAML front matter.

``write_demo_documents`` writes one directory per collection: ``handbook`` (per-tenant policies,
internal), ``tickets`` (one document per support ticket, confidential, with the customer's PII),
``hr`` (salary bands and performance reviews, restricted) and ``products`` (public guides, no
tenant). Like the tables, everything is derived from the seed and the reference time, so the
same arguments give byte-identical files. Some documents are planted on purpose: two handbook
pages past their freshness SLA and a handful of prompt injections; ``DemoDocuments`` says which,
so tests and evals can check that stale pages are flagged and injected claims are never repeated.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from demo.data import DEMO_REFERENCE_TIME, TENANTS, generate_demo_data
from demo.doc_bodies import product_body, review_body, salary_bands_body, ticket_body
from demo.handbook import handbook_docs
from demo.injections import (
    EXFIL_IMAGE,
    FAKE_SYSTEM,
    HIDDEN_COMMENT,
    OVERRIDE,
    ROLE_PLAY,
    Injection,
    PlantedInjection,
)
from demo.policies import TenantFacts, tenant_facts
from demo.values import Row, seeded
from hqg.errors import NotFound
from ingestion.contracts import Classification, format_duration
from ingestion.documents.identity import ALL_TENANTS_NAMESPACE

COLLECTIONS = ("handbook", "tickets", "hr", "products")
PRODUCT_GUIDES = 10
REVIEWS_PER_TENANT = 2
#: Handbook pages planted past their SLA: (tenant, topic, age, SLA). Every other page is fresh.
STALE_HANDBOOK = (
    ("acme", "support-hours", timedelta(days=120), timedelta(days=30)),
    ("globex", "warranty", timedelta(days=400), timedelta(days=180)),
)
HANDBOOK_SLA = timedelta(days=90)
TICKET_SLA = timedelta(days=180)
HR_SLA = timedelta(days=180)
PRODUCT_SLA = timedelta(days=90)
#: Where the injections go; each planted ticket is drawn from its tenant's tickets by seed.
_PLANTED_PRODUCTS = ((3, OVERRIDE), (7, ROLE_PLAY))
_PLANTED_HANDBOOK = ("globex", "returns", EXFIL_IMAGE)
_PLANTED_TICKETS = (("acme", HIDDEN_COMMENT), ("globex", FAKE_SYSTEM))


class DemoDocument(BaseModel):
    """One written document and the governance its front matter declares."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    collection: str
    doc_id: str
    path: Path
    title: str
    tenant: str | None
    classification: Classification
    labels: tuple[str, ...]
    as_of: datetime
    freshness_sla: timedelta

    def stale_at(self, when: datetime) -> bool:
        return self.as_of + self.freshness_sla < when


class DemoDocuments(BaseModel):
    """What ``write_demo_documents`` wrote, and what was planted in it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int
    reference_time: datetime
    out_dir: Path
    collections: dict[str, Path]
    documents: tuple[DemoDocument, ...]
    stale: tuple[DemoDocument, ...]
    injections: tuple[PlantedInjection, ...]
    tenant_facts: dict[str, TenantFacts]

    def document(self, collection: str, doc_id: str) -> DemoDocument:
        for doc in self.documents:
            if doc.collection == collection and doc.doc_id == doc_id:
                return doc
        raise NotFound(f"the demo has no document {doc_id!r} in {collection!r}")

    def in_collection(self, collection: str) -> tuple[DemoDocument, ...]:
        return tuple(doc for doc in self.documents if doc.collection == collection)


class _Draft(BaseModel):
    """A document about to be written (id relative to its collection, without suffix)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    doc_id: str
    title: str
    tenant: str | None
    classification: Classification
    labels: tuple[str, ...]
    as_of: datetime
    freshness_sla: timedelta
    metadata: dict[str, str | int] = Field(default_factory=dict)
    body: str
    injection: Injection | None = None


def write_demo_documents(
    out_dir: Path, *, seed: int = 7, reference_time: datetime = DEMO_REFERENCE_TIME
) -> DemoDocuments:
    """Write the four collections under ``out_dir``; same arguments, same bytes."""
    tables = generate_demo_data(seed=seed, reference_time=reference_time).tables
    facts = tenant_facts()
    drafts = {
        "handbook": _handbook(facts, seed, reference_time),
        "tickets": _tickets(tables, seed),
        "hr": _hr(facts, tables, seed, reference_time),
        "products": _products(tables),
    }
    documents: list[DemoDocument] = []
    injections: list[PlantedInjection] = []
    for collection in COLLECTIONS:
        for draft in drafts[collection]:
            doc = _write(out_dir / collection, collection, draft)
            documents.append(doc)
            if draft.injection is not None:
                injections.append(
                    PlantedInjection(
                        collection=collection,
                        doc_id=doc.doc_id,
                        path=doc.path,
                        technique=draft.injection.technique,
                        claim=draft.injection.claim,
                    )
                )
    return DemoDocuments(
        seed=seed,
        reference_time=reference_time,
        out_dir=out_dir,
        collections={name: out_dir / name for name in COLLECTIONS},
        documents=tuple(documents),
        stale=tuple(doc for doc in documents if doc.stale_at(reference_time)),
        injections=tuple(injections),
        tenant_facts=facts,
    )


def render_document(draft_front: dict[str, object], body: str) -> str:
    """Front matter between ``---`` fences, a blank line, then the Markdown body."""
    header = yaml.safe_dump(
        draft_front, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000
    )
    return f"---\n{header}---\n\n{body.rstrip()}\n"


def _write(root: Path, collection: str, draft: _Draft) -> DemoDocument:
    front: dict[str, object] = {"id": draft.doc_id, "title": draft.title}
    if draft.tenant is not None:
        front["tenant"] = draft.tenant
    front |= {
        "classification": draft.classification.value,
        "labels": list(draft.labels),
        "as_of": draft.as_of.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "freshness_sla": format_duration(draft.freshness_sla),
        "metadata": dict(draft.metadata),
    }
    path = root / f"{draft.doc_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_document(front, draft.body).encode("utf-8"))
    return DemoDocument(
        collection=collection,
        path=path,
        **draft.model_dump(include={"doc_id", "title", "tenant", "classification", "labels"}),
        as_of=draft.as_of,
        freshness_sla=draft.freshness_sla,
    )


def _handbook(facts: dict[str, TenantFacts], seed: int, now: datetime) -> list[_Draft]:
    stale = {(tenant, topic): (age, sla) for tenant, topic, age, sla in STALE_HANDBOOK}
    drafts = []
    for tenant in TENANTS:
        rng = seeded(seed, tenant, "handbook")
        for doc in handbook_docs(facts[tenant]):
            fresh = (timedelta(days=rng.randint(5, 45)), HANDBOOK_SLA)
            age, sla = stale.get((tenant, doc.topic), fresh)
            body, injection = doc.body, None
            if (tenant, doc.topic) == _PLANTED_HANDBOOK[:2]:
                injection = _PLANTED_HANDBOOK[2]
                body = f"{body.rstrip()}\n\n## Label preview\n\n{injection.text}\n"
            drafts.append(
                _Draft(
                    doc_id=f"{tenant}/{doc.topic}",
                    title=doc.title,
                    tenant=tenant,
                    classification=Classification.INTERNAL,
                    labels=doc.labels,
                    as_of=now - age,
                    freshness_sla=sla,
                    metadata={"topic": doc.topic},
                    body=body,
                    injection=injection,
                )
            )
    return drafts


def _tickets(tables: dict[str, tuple[Row, ...]], seed: int) -> list[_Draft]:
    customers = {row["customer_id"]: row for row in tables["customers"]}
    planted: dict[object, Injection] = {}
    for tenant, planting in _PLANTED_TICKETS:
        own = [row for row in tables["support_tickets"] if row["tenant_id"] == tenant]
        planted[seeded(seed, tenant, "ticket-injection").choice(own)["ticket_id"]] = planting
    drafts = []
    for ticket in tables["support_tickets"]:
        injection = planted.get(ticket["ticket_id"])
        customer = customers[ticket["customer_id"]]
        opened = ticket["opened_at"]
        if not isinstance(opened, datetime):
            raise TypeError("support_tickets.opened_at must be a datetime")
        drafts.append(
            _Draft(
                doc_id=f"{ticket['tenant_id']}/ticket-{ticket['ticket_id']:04d}",
                title=str(ticket["subject"]),
                tenant=str(ticket["tenant_id"]),
                classification=Classification.CONFIDENTIAL,
                labels=("ticket",),
                as_of=opened,
                freshness_sla=TICKET_SLA,
                # the reporter's e-mail in metadata, as data owners do: masked on read like text
                metadata=_ints(ticket, "customer_id", "ticket_id")
                | {"status": ticket["status"], "reporter": str(customer["email"])},
                body=ticket_body(ticket, customer, injection=injection.text if injection else None),
                injection=injection,
            )
        )
    return drafts


def _hr(
    facts: dict[str, TenantFacts], tables: dict[str, tuple[Row, ...]], seed: int, now: datetime
) -> list[_Draft]:
    drafts = []
    year = (now - timedelta(days=30)).year
    for tenant in TENANTS:
        employees = [row for row in tables["hr_salaries"] if row["tenant_id"] == tenant]
        drafts.append(
            _Draft(
                doc_id=f"{tenant}/salary-bands",
                title=f"{facts[tenant].company} salary bands {year}",
                labels=("hr", "compensation"),
                as_of=now - timedelta(days=30),
                freshness_sla=HR_SLA,
                body=salary_bands_body(facts[tenant], employees, year=year),
                tenant=tenant,
                classification=Classification.RESTRICTED,
            )
        )
        rng = seeded(seed, tenant, "reviews")
        for employee in sorted(rng.sample(employees, REVIEWS_PER_TENANT), key=_employee_id):
            drafts.append(
                _Draft(
                    doc_id=f"{tenant}/review-{employee['employee_id']:04d}",
                    title=f"Performance review {year}, employee #{employee['employee_id']}",
                    labels=("hr", "performance-review"),
                    as_of=now - timedelta(days=rng.randint(10, 60)),
                    freshness_sla=HR_SLA,
                    metadata=_ints(employee, "employee_id"),
                    body=review_body(facts[tenant], employee, rng, year=year),
                    tenant=tenant,
                    classification=Classification.RESTRICTED,
                )
            )
    return drafts


def _products(tables: dict[str, tuple[Row, ...]]) -> list[_Draft]:
    planted = dict(_PLANTED_PRODUCTS)
    drafts = []
    for product in sorted(tables["products"], key=lambda row: int(str(row["product_id"]))):
        product_id = int(str(product["product_id"]))
        if product_id > PRODUCT_GUIDES:
            break
        updated = product["updated_at"]
        if not isinstance(updated, datetime):
            raise TypeError("products.updated_at must be a datetime")
        injection = planted.get(product_id)
        drafts.append(
            _Draft(
                doc_id=f"{ALL_TENANTS_NAMESPACE}/product-{product_id:03d}",
                title=f"{product['name']} product guide",
                tenant=None,
                classification=Classification.PUBLIC,
                labels=("product", "guide", str(product["category"])),
                as_of=updated,
                freshness_sla=PRODUCT_SLA,
                metadata={"product_id": product_id, "category": str(product["category"])},
                body=product_body(product, injection=injection.text if injection else None),
                injection=injection,
            )
        )
    return drafts


def _ints(row: Row, *keys: str) -> dict[str, str | int]:
    return {key: int(str(row[key])) for key in keys}


def _employee_id(row: Row) -> int:
    return int(str(row["employee_id"]))
