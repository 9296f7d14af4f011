"""Known entities on the demo: every mention of a known person, e-mail or phone is found.

The mentions are enumerated from the demo generator's own ground truth (every customer's and
employee's name, e-mail and phone, all tenants), searched verbatim in every document the demo
writes (tickets, HR reviews, handbook, product guides). The matcher is built the way the gateway
builds it: from the ``pii:*`` tags of the demo contracts, over the generated rows; and, in the
second test, from the catalog of a real demo workspace.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from demo.data import generate_demo_data
from demo.documents import write_demo_documents
from demo.ground_truth import demo_ground_truth
from demo.sources import CONTRACTS_DIR
from ingestion.contracts import load_contract
from privacy.known_entities import KnownEntities, KnownEntry
from tests.workspaces import DEMO_REFERENCE

pytestmark = pytest.mark.slow  # make test-fast skips it: scans every demo document


def _entries_from_contracts() -> list[KnownEntry]:
    tables = generate_demo_data(seed=7, reference_time=DEMO_REFERENCE).tables
    entries = []
    for name, rows in tables.items():
        contract = load_contract(CONTRACTS_DIR / f"{name}.yaml")
        for column in contract.columns:
            if column.pii_entity and column.type == "VARCHAR":
                entries += [KnownEntry(column.pii_entity, str(row[column.name])) for row in rows]
    return entries


def _ground_truth_values() -> dict[str, str]:
    truth = demo_ground_truth(seed=7)
    values: dict[str, str] = {}
    for canaries in truth.tenants.values():
        values |= dict.fromkeys(canaries.customer_names | canaries.employee_names, "PERSON")
        values |= dict.fromkeys(canaries.customer_emails, "EMAIL_ADDRESS")
        values |= dict.fromkeys(canaries.customer_phones, "PHONE_NUMBER")
    return values


def _mentions(text: str, values: dict[str, str]) -> list[tuple[str, int, int]]:
    found = []
    for value, entity in values.items():
        start = text.find(value)
        while start >= 0:
            found.append((entity, start, start + len(value)))
            start = text.find(value, start + 1)
    return found


def _missed(known: KnownEntities, documents: list[str]) -> tuple[int, list[str]]:
    values = _ground_truth_values()
    total, missed = 0, []
    for text in documents:
        spans = known.find(text)
        for entity, start, end in _mentions(text, values):
            total += 1
            if not any(
                s.entity_type == entity and s.start <= start and end <= s.end for s in spans
            ):
                missed.append(f"{entity} at {start}")  # never the value itself
    return total, missed


@pytest.fixture(scope="module")
def demo_documents(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    written = write_demo_documents(
        tmp_path_factory.mktemp("docs"), seed=7, reference_time=DEMO_REFERENCE
    )
    return [doc.path.read_text(encoding="utf-8") for doc in written.documents]


def test_every_ground_truth_mention_in_the_demo_documents_is_found(
    demo_documents: list[str],
) -> None:
    total, missed = _missed(KnownEntities(_entries_from_contracts()), demo_documents)
    assert total > 500  # tickets name their writer with e-mail and phone, reviews an employee
    assert missed == [], f"recall {1 - len(missed) / total:.4f}: {missed[:10]}"


@pytest.mark.slow
def test_the_catalog_vocabulary_of_the_demo_workspace_finds_every_mention(
    demo_home: Path, demo_documents: list[str]
) -> None:
    from gateway.settings import load_settings
    from gateway.wiring import catalog_vocabulary

    known = catalog_vocabulary(load_settings(home=demo_home)).current().known
    assert known.generation == KnownEntities(_entries_from_contracts()).generation
    total, missed = _missed(known, demo_documents)
    assert total > 500
    assert missed == []


@pytest.mark.slow
def test_the_demo_catalog_allows_tenant_and_product_names_but_not_customers(
    demo_home: Path,
) -> None:
    from gateway.settings import load_settings
    from gateway.wiring import catalog_vocabulary
    from privacy.spans import Span

    vocabulary = catalog_vocabulary(load_settings(home=demo_home)).current()
    customer = sorted(demo_ground_truth(seed=7).tenants["acme"].customer_names)[0]
    for text, name in [
        ("the Acme refund policy", "Acme"),
        ("is the Ergo Kettle back?", "Ergo Kettle"),
        (f"{customer} asked", customer),
    ]:
        start = text.index(name)
        span = Span(entity_type="PERSON", start=start, end=start + len(name), score=0.8)
        kept = vocabulary.allowed.filter(text, [span])
        assert kept == ([span] if name == customer else [])
        if name == customer:
            assert [s.entity_type for s in vocabulary.known.find(text)] == ["PERSON"]
