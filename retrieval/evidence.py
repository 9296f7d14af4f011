"""Evidence: one retrieved chunk as a consumer sees it — masked on read, with provenance,
freshness and risk.

Masking splices the spans stored at ingest (no NER at read time) into the text, the title and
the string values of front-matter metadata. ``mask_entities`` comes from
the policy decision: entity type → mask kind, with ``"*"`` for every type not named; a type the
mapping does not cover is released to this principal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from hqg.errors import PrivacyError
from ingestion.documents.model import RESERVED_KEYS
from ingestion.vectors.base import Hit
from privacy.masker import mask_text
from privacy.operators import MaskKind
from privacy.spans import Span, keyed_spans_from_json, spans_from_json
from privacy.vault import PseudonymVault

WILDCARD = "*"
#: Payload key of the spans found at ingest in the string values of front-matter metadata.
METADATA_SPANS = "metadata_pii"
MetadataScalar = str | int | float | bool | None


class Risk(BaseModel):
    """What the ingest-time detectors said about this chunk."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    injection_score: float
    injection_reasons: tuple[str, ...]


class Evidence(BaseModel):
    """A chunk released to one principal for one request."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    score: float
    collection: str
    doc_id: str
    chunk_id: str
    title: str | None
    source: str
    start: int
    end: int
    doc_version: int
    content_hash: str
    as_of: datetime
    age_seconds: float
    sla_seconds: float
    stale: bool
    masked_entities: tuple[str, ...]
    risk: Risk
    metadata: Mapping[str, MetadataScalar]
    #: published for every tenant by an explicit operator flag (provenance of its tenancy)
    all_tenants: bool = False


def mask_for_principal(
    text: str, spans: Sequence[Span], mask_entities: Mapping[str, MaskKind], vault: PseudonymVault
) -> tuple[str, tuple[str, ...]]:
    """Splice the stored spans that policy masks; returns the text and the masked types."""
    default = mask_entities.get(WILDCARD)
    chosen = [s for s in spans if s.entity_type in mask_entities or default is not None]
    if not chosen:
        return text, ()
    policy = {s.entity_type: mask_entities.get(s.entity_type, default) for s in chosen}
    masked = mask_text(
        text, chosen, policy={k: v for k, v in policy.items() if v is not None}, vault=vault
    )
    return masked.text, masked.entity_types


def stored_spans(
    payload: Mapping[str, object],
    key: str,
    mask_entities: Mapping[str, MaskKind],
    *,
    empty: str = "[]",
) -> str:
    """The spans stored at ingest under ``key``, as JSON. Missing spans are refused when
    anything is to be masked: a chunk without them would otherwise be served as if it held no
    PII. With nothing to mask they are not needed: ``empty`` stands in."""
    value = payload.get(key)
    if isinstance(value, str):
        return value
    if mask_entities:
        raise PrivacyError("a retrieved chunk has no stored PII spans; nothing served")
    return empty


def evidence_from_hit(
    hit: Hit, *, mask_entities: Mapping[str, MaskKind], vault: PseudonymVault, now: datetime
) -> Evidence:
    """Build the released form of a hit; a malformed payload fails closed (PrivacyError)."""
    payload = hit.payload
    try:
        spans = spans_from_json(stored_spans(payload, "pii", mask_entities))
        text, masked = mask_for_principal(hit.text, spans, mask_entities, vault)
        title, title_masked = _title(payload, mask_entities, vault)
        metadata, metadata_masked = _metadata(payload, mask_entities, vault)
        as_of = datetime.fromisoformat(str(payload["as_of"]))
        sla = _number(payload.get("freshness_sla_seconds") or 0)
        age = (now - as_of).total_seconds()
        return Evidence(
            text=text,
            score=hit.score,
            collection=str(payload["collection"]),
            doc_id=str(payload["doc_id"]),
            chunk_id=str(payload["chunk_id"]),
            title=title,
            source=str(payload["source"]),
            start=int(_number(payload["start"])),
            end=int(_number(payload["end"])),
            doc_version=int(_number(payload["doc_version"])),
            content_hash=str(payload["content_hash"]),
            as_of=as_of,
            age_seconds=age,
            sla_seconds=sla,
            stale=bool(sla) and age > sla,
            masked_entities=tuple(sorted({*masked, *title_masked, *metadata_masked})),
            risk=Risk(
                injection_score=_number(payload.get("injection_score") or 0.0),
                injection_reasons=tuple(_strings(payload.get("injection_reasons"))),
            ),
            metadata=metadata,
            all_tenants=payload.get("all_tenants") == 1,  # stored as 1/0 (filterable)
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PrivacyError("a retrieved chunk has a malformed payload; nothing served") from exc


def _title(
    payload: Mapping[str, object], mask_entities: Mapping[str, MaskKind], vault: PseudonymVault
) -> tuple[str | None, tuple[str, ...]]:
    title = payload.get("title")
    if not title:
        return None, ()
    spans = spans_from_json(stored_spans(payload, "title_pii", mask_entities))
    return mask_for_principal(str(title), spans, mask_entities, vault)


def _metadata(
    payload: Mapping[str, object], mask_entities: Mapping[str, MaskKind], vault: PseudonymVault
) -> tuple[dict[str, MetadataScalar], tuple[str, ...]]:
    """The front-matter metadata (every payload key hqg does not write), string values masked
    from the spans stored at ingest like the text."""
    values = {
        key: value
        for key, value in payload.items()
        if key not in RESERVED_KEYS and isinstance(value, str | int | float | bool | None)
    }
    if not any(isinstance(value, str) for value in values.values()):
        return values, ()
    keyed = keyed_spans_from_json(stored_spans(payload, METADATA_SPANS, mask_entities, empty="{}"))
    masked: set[str] = set()
    for key, value in values.items():
        if isinstance(value, str) and key in keyed:
            values[key], types = mask_for_principal(value, keyed[key], mask_entities, vault)
            masked.update(types)
    return values, tuple(masked)


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError("expected a number")
    return float(value)


def _strings(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError("expected a list of strings")
    return [str(item) for item in value]
