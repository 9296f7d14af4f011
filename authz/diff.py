"""What changed between two decisions on the same input: the vocabulary of roll-outs.

Observe mode and impact simulation both ask "would the candidate policy decide this request
differently, and how?". The answer is named by facet (the outcome flipped, a mask was added
on ``customers.email``, a row filter changed) and never carries a value from the request.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from authz.decision import Decision, predicate_document
from hqg.resources import collection_key

Flip = Literal["allow->deny", "deny->allow"]


class DecisionDiff(BaseModel):
    """How ``after`` differs from ``before``; ``changed`` is false when they mean the same."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    flip: Flip | None = None
    masks_added: tuple[str, ...] = ()  # "table.column"
    masks_removed: tuple[str, ...] = ()
    masks_changed: tuple[str, ...] = ()  # same column, another mask kind
    row_filters_changed: tuple[str, ...] = ()  # table names
    tables_granted: tuple[str, ...] = ()  # granted after, not before
    tables_revoked: tuple[str, ...] = ()  # granted before, not after
    collections_granted: tuple[str, ...] = ()  # ``collection:<name>`` keys
    collections_revoked: tuple[str, ...] = ()
    collection_filters_changed: tuple[str, ...] = ()
    collection_masks_changed: tuple[str, ...] = ()  # the entity types masked, or how
    limits_changed: bool = False
    reasons_changed: bool = False

    @property
    def changed(self) -> bool:
        return self.facets() != ()

    def facets(self) -> tuple[str, ...]:
        """Every difference as a short name: ``allow``, ``mask:customers.email``, …"""
        named: list[str] = ["allow"] if self.flip else []
        named += [
            f"mask:{c}" for c in (*self.masks_added, *self.masks_removed, *self.masks_changed)
        ]
        named += [f"row_filter:{t}" for t in self.row_filters_changed]
        named += [f"grant:{t}" for t in (*self.tables_granted, *self.tables_revoked)]
        named += [f"mask:{c}" for c in self.collection_masks_changed]
        named += [f"row_filter:{c}" for c in self.collection_filters_changed]
        named += [f"grant:{c}" for c in (*self.collections_granted, *self.collections_revoked)]
        named += ["limits"] if self.limits_changed else []
        named += ["reasons"] if self.reasons_changed else []
        return tuple(named)


def _masks(decision: Decision, tables: list[str]) -> dict[str, str]:
    """Masks on ``tables`` only: a revoked grant is a revocation, not a removed mask."""
    return {
        f"{table}.{column}": str(kind)
        for table in tables
        for column, kind in decision.tables[table].masks.items()
    }


def _flip(before: Decision, after: Decision) -> Flip | None:
    if before.allow == after.allow:
        return None
    return "allow->deny" if before.allow else "deny->allow"


def diff_decisions(before: Decision, after: Decision) -> DecisionDiff:
    """Compare two decisions made on the same input (ids, hashes and engines are ignored)."""
    both = sorted(set(before.tables) & set(after.tables))
    old, new = _masks(before, both), _masks(after, both)
    return DecisionDiff(
        flip=_flip(before, after),
        masks_added=tuple(sorted(set(new) - set(old))),
        masks_removed=tuple(sorted(set(old) - set(new))),
        masks_changed=tuple(sorted(c for c in set(old) & set(new) if old[c] != new[c])),
        row_filters_changed=tuple(
            t
            for t in both
            if predicate_document(before.tables[t].row_filter)
            != predicate_document(after.tables[t].row_filter)
        ),
        tables_granted=tuple(sorted(set(after.tables) - set(before.tables))),
        tables_revoked=tuple(sorted(set(before.tables) - set(after.tables))),
        **_collection_changes(before, after),
        limits_changed=before.limits != after.limits or before.max_staleness != after.max_staleness,
        reasons_changed=before.reasons != after.reasons,
    )


def _collection_changes(before: Decision, after: Decision) -> dict[str, tuple[str, ...]]:
    """The collection facets: grants, filters (over chunk payloads) and masked entity types."""
    both = sorted(set(before.collections) & set(after.collections))
    old, new = before.collections, after.collections
    return {
        "collections_granted": _keys(set(new) - set(old)),
        "collections_revoked": _keys(set(old) - set(new)),
        "collection_filters_changed": _keys(
            c
            for c in both
            if predicate_document(old[c].filter) != predicate_document(new[c].filter)
        ),
        "collection_masks_changed": _keys(
            c for c in both if dict(old[c].mask_entities) != dict(new[c].mask_entities)
        ),
    }


def _keys(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(collection_key(name) for name in names))
