"""The policy decision: what Rego returned, parsed strictly into what the gateway enforces.

The policy returns data and the gateway enforces it. Every engine (embedded regorus, an OPA
server) evaluates ``data.hqg.decision`` over the input document and hands the raw value to
``parse_decision``, which either yields a Decision that means exactly what the policy said or
a deny. A malformed decision is never read generously: an unknown key, a wrong type, an
unknown filter op or mask kind all become a deny with a reason.

The input document (built by the gateway from the principal and the catalog)::

    {"principal": {"id": "alice", "tenant": "acme", "roles": ["analyst"],
                   "clearance": "confidential", "purposes": ["analytics"],
                   "default_purpose": "analytics", "kind": "human"},
     "action": "sql",   # sql | search | ask | catalog | policy.evaluate | policy.simulate
                        # | audit.read
     "purpose": "analytics",
     "resources": {"tables": [<DatasetContract as JSON>, ...], "collections": [...]}}

``principal.tenant`` null means the principal is not bound to one tenant.

The decision document (the value of ``data.hqg.decision``)::

    {"allow": true,
     "reasons": ["role analyst permits sql for purpose analytics"],
     "tables": {"customers": {"row_filter": {"column": "tenant_id", "op": "=", "value": "acme"},
                              "masks": {"email": "placeholder", "gender": "null"}}},
     "denied": {"hr_salaries": ["clearance confidential is below restricted"]},
     "collections": {"handbook": {"filter": <predicate or null>,
                                  "mask_entities": {"PERSON": "pseudonym"}}},
     "limits": {"max_rows": 1000, "timeout_ms": 10000},
     "max_staleness": null}

- ``allow`` (bool, required): true only if the action is permitted for the principal and the
  purpose and every requested resource is granted. For ``catalog``, allow needs only the
  action; ``tables`` lists what the caller may see and ``denied`` what it may not.
- ``reasons`` (list of str, required): why, in words fit for a 403 body (no PII).
- ``tables`` (required): one grant per readable table. ``row_filter`` (required, null = every
  row) uses the predicate language of ``hqg/predicates.py``; ``masks`` (required) maps a
  column to a ``privacy.operators.MaskKind``. Grants for tables that were not requested are
  dropped. A requested table without a grant is not readable.
- ``denied`` (required): refused resource name → reasons. Collections are keyed
  ``collection:<name>`` since a collection may share a table's name.
- ``collections`` (optional, default {}): per-collection ``filter`` and ``mask_entities``
  (Presidio entity type → MaskKind).
- ``limits`` (required): ``max_rows`` ≥ 0 and ``timeout_ms`` ≥ 0, integers.
- ``max_staleness`` (optional, default null): a duration such as ``"24h"``; evidence older
  than that is refused by the caller.

Any other key, or a value of another type, makes the whole decision a deny.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Any
from uuid import uuid4

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    field_validator,
)

from hqg.predicates import All, AnyOf, Compare, InvalidPredicate, Not, Predicate, parse_predicate
from hqg.resources import collection_key
from ingestion.contracts import parse_duration
from privacy.operators import MaskKind
from retrieval.grants import TableGrant

_REQUIRED_KEYS = frozenset({"allow", "reasons", "tables", "denied", "limits"})
_OPTIONAL_KEYS = frozenset({"collections", "max_staleness"})
_CATALOG_ACTION = "catalog"
_MASK_KINDS = frozenset(kind.value for kind in MaskKind)


class MalformedDecision(ValueError):
    """Internal: the raw decision is not the documented shape; always turned into a deny."""


def new_decision_id() -> str:
    """A fresh id per decision, also for decisions served from a cache."""
    return uuid4().hex


class Limits(BaseModel):
    """Caps the gateway applies to the request."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    max_rows: int = Field(ge=0)
    timeout_ms: int = Field(ge=0)


class CollectionGrant(BaseModel):
    """Points visible (``filter``; None means all) and entity masks on one collection."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    filter: Predicate | None = None
    mask_entities: Mapping[str, MaskKind] = Field(default_factory=lambda: MappingProxyType({}))

    @field_validator("mask_entities")
    @classmethod
    def _freeze(cls, value: Mapping[str, MaskKind]) -> Mapping[str, MaskKind]:
        return MappingProxyType(dict(value))


class Decision(BaseModel):
    """One policy decision, as enforced; every response and audit record names its id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    decision_id: str = Field(default_factory=new_decision_id)
    allow: bool
    reasons: tuple[str, ...] = ()
    tables: Mapping[str, TableGrant] = Field(default_factory=lambda: MappingProxyType({}))
    collections: Mapping[str, CollectionGrant] = Field(default_factory=lambda: MappingProxyType({}))
    denied: Mapping[str, tuple[str, ...]] = Field(default_factory=lambda: MappingProxyType({}))
    limits: Limits = Field(default_factory=lambda: Limits(max_rows=0, timeout_ms=0))
    max_staleness: timedelta | None = None
    policy_hash: str
    engine: str

    @field_validator("tables", "collections", "denied")
    @classmethod
    def _freeze(cls, value: Mapping[str, Any]) -> Mapping[str, Any]:
        return MappingProxyType(dict(value))

    @field_serializer("tables")
    def _tables_document(self, tables: Mapping[str, TableGrant]) -> dict[str, Any]:
        return {name: table_grant_document(grant) for name, grant in tables.items()}

    @field_serializer("collections")
    def _collections_document(self, grants: Mapping[str, CollectionGrant]) -> dict[str, Any]:
        return {name: collection_grant_document(grant) for name, grant in grants.items()}

    @field_serializer("denied")
    def _denied_document(self, denied: Mapping[str, tuple[str, ...]]) -> dict[str, list[str]]:
        return {name: list(reasons) for name, reasons in denied.items()}

    def with_new_id(self) -> Decision:
        """The same decision under a fresh id (for decisions served from a cache)."""
        return self.model_copy(update={"decision_id": new_decision_id()})

    def grant_for(self, table: str) -> TableGrant | None:
        """The grant on ``table`` (case-insensitive), or None: not readable."""
        return self.tables.get(table.lower()) if self.allow else None

    def as_document(self) -> dict[str, Any]:
        """The decision as JSON-ready data (for dry runs, audit and the API)."""
        return self.model_dump(mode="json")


def table_grant_document(grant: TableGrant) -> dict[str, Any]:
    return {
        "row_filter": predicate_document(grant.row_filter),
        "masks": {column: str(kind) for column, kind in grant.masks.items()},
    }


def collection_grant_document(grant: CollectionGrant) -> dict[str, Any]:
    return {
        "filter": predicate_document(grant.filter),
        "mask_entities": {entity: str(kind) for entity, kind in grant.mask_entities.items()},
    }


def predicate_document(predicate: Predicate | None) -> Any:
    """The JSON form of a parsed predicate (the inverse of ``parse_predicate``)."""
    if predicate is None:
        return None
    if isinstance(predicate, All):
        return {"all": [predicate_document(p) for p in predicate.items]}
    if isinstance(predicate, AnyOf):
        return {"any": [predicate_document(p) for p in predicate.items]}
    if isinstance(predicate, Not):
        return {"not": predicate_document(predicate.item)}
    document: dict[str, Any] = {"column": predicate.column, "op": predicate.op}
    if isinstance(predicate, Compare) and predicate.op not in ("is_null", "not_null"):
        value = predicate.value
        document["value"] = list(value) if isinstance(value, tuple) else value
    return document


def deny(*reasons: str, policy_hash: str, engine: str) -> Decision:
    """A deny that grants nothing."""
    return Decision(allow=False, reasons=reasons, policy_hash=policy_hash, engine=engine)


def parse_decision(
    raw: Any, *, policy_hash: str, engine: str, policy_input: Mapping[str, Any]
) -> Decision:
    """Parse the raw ``data.hqg.decision`` strictly; anything unexpected is a deny.

    ``policy_input`` is the input the policy decided on: grants for tables it did not request
    are dropped, and an allow that leaves a requested table ungranted becomes a deny.
    """
    try:
        decision = _parse(raw, policy_hash=policy_hash, engine=engine)
    except (InvalidPredicate, ValueError, TypeError) as exc:  # MalformedDecision, ValidationError
        return deny(
            f"policy decision is malformed: {_describe(exc)}",
            policy_hash=policy_hash,
            engine=engine,
        )
    return _confine_to_request(decision, policy_input)


def decision_problem(raw: Any) -> str | None:
    """Why ``raw`` is not a well-formed decision, or None: for callers that must refuse a
    malformed decision outright (a candidate policy) instead of reading it as a deny."""
    try:
        _parse(raw, policy_hash="", engine="")
    except (InvalidPredicate, ValueError, TypeError) as exc:
        return _describe(exc)
    return None


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(decision)'}: {err['msg']}"
            for err in exc.errors(include_input=False)
        )
    return str(exc)


def _parse(raw: Any, *, policy_hash: str, engine: str) -> Decision:
    if raw is None:
        raise MalformedDecision("the decision is undefined")
    document = _mapping(raw, "decision")
    keys = set(document)
    if missing := sorted(_REQUIRED_KEYS - keys):
        raise MalformedDecision(f"missing key(s): {', '.join(missing)}")
    if unknown := sorted(keys - _REQUIRED_KEYS - _OPTIONAL_KEYS):
        raise MalformedDecision(f"unknown key(s): {', '.join(unknown)}")
    allow = document["allow"]
    if not isinstance(allow, bool):
        raise MalformedDecision("allow must be a boolean")
    return Decision(
        allow=allow,
        reasons=_strings(document["reasons"], "reasons"),
        tables=_table_grants(document["tables"]),
        collections=_collection_grants(document.get("collections", {})),
        denied=_denied(document["denied"]),
        limits=Limits.model_validate(_mapping(document["limits"], "limits")),
        max_staleness=_staleness(document.get("max_staleness")),
        policy_hash=policy_hash,
        engine=engine,
    )


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise MalformedDecision(f"{where} must be an object")
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise MalformedDecision(f"{where} must be a list of strings")
    return tuple(value)


def _exact_keys(value: Mapping[str, Any], keys: frozenset[str], where: str) -> None:
    if set(value) != keys:
        raise MalformedDecision(f"{where} must have exactly the keys {', '.join(sorted(keys))}")


def _masks(value: Any, where: str) -> dict[str, MaskKind]:
    masks: dict[str, MaskKind] = {}
    for column, kind in _mapping(value, where).items():
        if not isinstance(kind, str) or kind not in _MASK_KINDS:
            raise MalformedDecision(f"{where}.{column}: unknown mask kind")
        masks[column] = MaskKind(kind)
    return masks


def _table_grants(value: Any) -> dict[str, TableGrant]:
    grants: dict[str, TableGrant] = {}
    keys = frozenset({"row_filter", "masks"})
    for name, grant in _mapping(value, "tables").items():
        where = f"tables.{name}"
        grant = _mapping(grant, where)
        _exact_keys(grant, keys, where)
        row_filter = grant["row_filter"]
        grants[name.lower()] = TableGrant(
            row_filter=None
            if row_filter is None
            else parse_predicate(row_filter, where=f"{where}.row_filter"),
            masks=_masks(grant["masks"], f"{where}.masks"),
        )
    return grants


def _collection_grants(value: Any) -> dict[str, CollectionGrant]:
    grants: dict[str, CollectionGrant] = {}
    keys = frozenset({"filter", "mask_entities"})
    for name, grant in _mapping(value, "collections").items():
        where = f"collections.{name}"
        grant = _mapping(grant, where)
        _exact_keys(grant, keys, where)
        point_filter = grant["filter"]
        grants[name] = CollectionGrant(
            filter=None
            if point_filter is None
            else parse_predicate(point_filter, where=f"{where}.filter"),
            mask_entities=_masks(grant["mask_entities"], f"{where}.mask_entities"),
        )
    return grants


def _denied(value: Any) -> dict[str, tuple[str, ...]]:
    return {
        name: _strings(reasons, f"denied.{name}")
        for name, reasons in _mapping(value, "denied").items()
    }


def _staleness(value: Any) -> timedelta | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedDecision("max_staleness must be null or a duration like '24h'")
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise MalformedDecision("max_staleness must be null or a duration like '24h'") from exc


def requested_names(policy_input: Mapping[str, Any], kind: str) -> frozenset[str]:
    """Names of the requested resources of one kind (``tables`` or ``collections``)."""
    resources = policy_input.get("resources")
    items = resources.get(kind) if isinstance(resources, Mapping) else None
    if not isinstance(items, list | tuple):
        return frozenset()
    names = (item.get("name") for item in items if isinstance(item, Mapping))
    return frozenset(name.lower() for name in names if isinstance(name, str))


def _confine_to_request(decision: Decision, policy_input: Mapping[str, Any]) -> Decision:
    """Drop grants nobody asked for; refuse an allow that leaves a requested resource ungranted."""
    tables = requested_names(policy_input, "tables")
    collections = requested_names(policy_input, "collections")
    kept_tables = {n: g for n, g in decision.tables.items() if n in tables}
    kept_collections = {n: g for n, g in decision.collections.items() if n.lower() in collections}
    update: dict[str, Any] = {
        "tables": MappingProxyType(kept_tables),
        "collections": MappingProxyType(kept_collections),
    }
    if decision.allow and policy_input.get("action") != _CATALOG_ACTION:
        granted = set(kept_tables) | {collection_key(n.lower()) for n in kept_collections}
        wanted = tables | {collection_key(n) for n in collections}
        refused = sorted((wanted - granted) | set(decision.denied))
        if refused:
            reasons = tuple(f"{name} is not granted" for name in refused)
            update |= {"allow": False, "reasons": (*decision.reasons, *reasons)}
    return decision.model_copy(update=update)
