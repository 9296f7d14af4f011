"""Evidence: one retrieved chunk as a consumer sees it — masked on read, with provenance,
freshness and risk.

Masking splices the spans stored at ingest (no NER at read time). ``mask_entities`` comes from
the policy decision: entity type → mask kind, with ``"*"`` for every type not named; a type the
mapping does not cover is released to this principal.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from hqg.errors import PrivacyError
from ingestion.vectors.base import Hit
from privacy.masker import mask_text
from privacy.operators import MaskKind
from privacy.spans import spans_from_json
from privacy.vault import PseudonymVault

WILDCARD = "*"


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
    metadata: Mapping[str, str | int | float | bool | None]


#: Payload keys that are provenance or governance fields, not document metadata.
_RESERVED = frozenset(
    {
        "collection",
        "doc_id",
        "chunk_id",
        "chunk_index",
        "start",
        "end",
        "heading_path",
        "source",
        "content_hash",
        "doc_hash",
        "doc_version",
        "title",
        "title_pii",
        "as_of",
        "as_of_epoch",
        "ingested_at",
        "freshness_sla_seconds",
        "tenant",
        "classification",
        "classification_rank",
        "labels",
        "pii",
        "pii_entities",
        "text_masked",
        "injection_score",
        "injection_reasons",
    }
)


def mask_for_principal(
    text: str, spans_json: str, mask_entities: Mapping[str, MaskKind], vault: PseudonymVault
) -> tuple[str, tuple[str, ...]]:
    """Splice the stored spans that policy masks; returns the text and the masked types."""
    spans = spans_from_json(spans_json)
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
    payload: Mapping[str, object], key: str, mask_entities: Mapping[str, MaskKind]
) -> str:
    """The spans stored at ingest, as JSON. Missing spans are refused when anything is to be
    masked: a chunk without them would otherwise be served as if it held no PII."""
    value = payload.get(key)
    if isinstance(value, str):
        return value
    if mask_entities:
        raise PrivacyError("a retrieved chunk has no stored PII spans; nothing served")
    return "[]"


def evidence_from_hit(
    hit: Hit, *, mask_entities: Mapping[str, MaskKind], vault: PseudonymVault, now: datetime
) -> Evidence:
    """Build the released form of a hit; a malformed payload fails closed (PrivacyError)."""
    payload = hit.payload
    try:
        spans = stored_spans(payload, "pii", mask_entities)
        text, masked = mask_for_principal(hit.text, spans, mask_entities, vault)
        title, title_masked = _title(payload, mask_entities, vault)
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
            masked_entities=tuple(sorted(set(masked) | set(title_masked))),
            risk=Risk(
                injection_score=_number(payload.get("injection_score") or 0.0),
                injection_reasons=tuple(_strings(payload.get("injection_reasons"))),
            ),
            metadata={
                k: v for k, v in payload.items() if k not in _RESERVED and not isinstance(v, list)
            },
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PrivacyError("a retrieved chunk has a malformed payload; nothing served") from exc


def _title(
    payload: Mapping[str, object], mask_entities: Mapping[str, MaskKind], vault: PseudonymVault
) -> tuple[str | None, tuple[str, ...]]:
    title = payload.get("title")
    if not title:
        return None, ()
    spans = stored_spans(payload, "title_pii", mask_entities)
    return mask_for_principal(str(title), spans, mask_entities, vault)


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
