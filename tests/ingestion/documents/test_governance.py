from __future__ import annotations

from datetime import timedelta

import pytest

from hqg.errors import IngestError
from ingestion.contracts import Classification
from ingestion.documents.front_matter import parse_front_matter
from ingestion.documents.governance import Defaults, Governance, resolve_governance

DEFAULTS = Defaults(
    tenant="acme",
    classification=Classification.CONFIDENTIAL,
    labels=("handbook",),
    freshness_sla=timedelta(days=7),
)


def _resolve(front: dict[str, object], defaults: Defaults = DEFAULTS) -> Governance:
    return resolve_governance(parse_front_matter(front, source="t"), defaults, source="t")


def test_front_matter_can_raise_the_classification() -> None:
    governance = _resolve({"classification": "restricted"})
    assert governance.classification is Classification.RESTRICTED


def test_front_matter_cannot_lower_the_classification() -> None:
    governance = _resolve({"classification": "public"})
    assert governance.classification is Classification.CONFIDENTIAL


def test_labels_are_the_union_and_the_sla_comes_from_front_matter_first() -> None:
    governance = _resolve({"labels": "finance", "freshness_sla": "1d"})
    assert governance.labels == ("finance", "handbook")
    assert governance.freshness_sla_seconds == 86400
    assert _resolve({}).freshness_sla_seconds == 7 * 86400


def test_front_matter_tenant_applies_only_when_the_ingest_names_none_or_the_same() -> None:
    assert _resolve({"tenant": "acme"}).tenant == "acme"
    assert _resolve({"tenant": "globex"}, Defaults()).tenant == "globex"
    with pytest.raises(IngestError, match="different tenant"):
        _resolve({"tenant": "globex"})


def test_metadata_may_not_shadow_a_payload_field() -> None:
    with pytest.raises(IngestError, match="reserved key"):
        _resolve({"metadata": {"tenant": "globex"}})
