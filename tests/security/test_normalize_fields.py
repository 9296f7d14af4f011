"""Fields nobody used to scan (issue 20, item 7): metadata values of every type, metadata keys,
the title, the document id and the file name. What can be masked is masked on read; what cannot
(keys, ids) refuses the document, naming the field and type, never the value. A file path's
names and identifiers are withheld before the run records it
(``tests/ingestion/documents/test_names_in_identity.py``)."""

from __future__ import annotations

import pytest

from hqg.errors import IngestError
from privacy.detector import PresidioDetector
from privacy.spans import keyed_spans_from_json
from tests.security.normalize_support import prepare, readable, served_masked

BODY = "# Ticket\n\nThe parcel arrived damaged.\n"

MASKED = {
    "integer phone": ({"phone": 7135550120}, "7135550120"),
    "string phone": ({"phone": "713-555-0120"}, "7135550120"),
    "float-looking card": ({"card": "4111 1111 1111 1111"}, "4111111111111111"),
    "e-mail value": ({"reporter": "tyler.west@acme.com"}, "tyler.west@acme.com"),
    "name value": ({"owner": "Contact Michael Brown today"}, "Michael Brown"),
    "obfuscated e-mail value": ({"reporter": "tyler [at] acme (dot) com"}, "tyler@acme.com"),
}


@pytest.mark.parametrize(("metadata", "value"), MASKED.values(), ids=MASKED.keys())
def test_metadata_values_of_any_type_are_masked_on_read(
    metadata: dict[str, object], value: str, detector: PresidioDetector
) -> None:
    prepared = prepare(BODY, detector, metadata=metadata)
    assert not readable(value, served_masked(prepared))


def test_an_integer_holding_pii_is_stored_as_text_with_its_spans(
    detector: PresidioDetector,
) -> None:
    prepared = prepare(BODY, detector, metadata={"phone": 7135550120, "seats": 3})
    assert prepared.meta.metadata == {"phone": "7135550120", "seats": 3}
    spans = keyed_spans_from_json(prepared.meta.metadata_pii)["phone"]
    assert [(s.entity_type, s.start, s.end) for s in spans] == [("PHONE_NUMBER", 0, 10)]


def test_ordinary_metadata_keeps_its_type(detector: PresidioDetector) -> None:
    metadata = {"customer_id": 42, "ticket_id": 7, "status": "open", "priority": "high"}
    prepared = prepare(BODY, detector, metadata=metadata)
    assert prepared.meta.metadata == metadata
    assert keyed_spans_from_json(prepared.meta.metadata_pii) == {}


@pytest.mark.parametrize(
    "title",
    ["Refund for Michael Brown", "Refund for Mi\u2066chael Br\ufe0fown", "michael.brown@acme.com"],
)
def test_a_title_holding_pii_is_masked_on_read(title: str, detector: PresidioDetector) -> None:
    prepared = prepare(BODY, detector, title=title)
    value = "michael.brown@acme.com" if "@" in title else "Michael Brown"
    assert not readable(value, served_masked(prepared))


REFUSED = {
    "key is a name": ({"metadata": {"michael_brown": "vip"}}, "metadata key"),
    "key holds an e-mail-like phone": ({"metadata": {"tel_7135550120": "x"}}, "metadata key"),
    "id is an e-mail": ({"doc_id": "michael.brown@acme.com"}, "document id"),
    "id holds a phone": ({"doc_id": "acme/713-555-0120"}, "document id"),
}


@pytest.mark.parametrize(("fields", "field"), REFUSED.values(), ids=REFUSED.keys())
def test_pii_in_a_key_or_id_refuses_the_document(
    fields: dict[str, object], field: str, detector: PresidioDetector
) -> None:
    with pytest.raises(IngestError) as refused:
        prepare(BODY, detector, **fields)
    assert field in refused.value.message
    assert "michael" not in refused.value.message.split(":", 1)[1].lower()
    assert "555" not in refused.value.message.split(":", 1)[1]


@pytest.mark.parametrize(
    "metadata",
    [
        {"customer_id": 42, "topic": "refunds", "category": "kitchen", "reporter_email": "x"},
        {"account_manager": "team-a", "order_ref": "A-17", "region": "north"},
    ],
)
def test_ordinary_keys_ids_and_file_names_are_accepted(
    metadata: dict[str, object], detector: PresidioDetector
) -> None:
    prepared = prepare(
        BODY, detector, metadata=metadata, doc_id="acme/ticket-0201", source="acme/ticket-0201.md"
    )
    assert prepared.chunks
