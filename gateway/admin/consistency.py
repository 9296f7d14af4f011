"""``hqg policy check --home``: warn where policy treats a collection and its source apart.

A collection written from a dataset's rows (the demo's ``tickets`` from ``support_tickets``)
holds the same text as the dataset. A policy that denies the dataset to a principal but lets
it search or ask over the collection lets that text through anyway; one that grants the
dataset but refuses the collection is at least inconsistent; one that masks the dataset's
columns but releases the collection's text unmasked leaks what the masks hide. Nothing in a
bundle alone says which collection comes from which dataset: the link is catalog data
(``CollectionRecord.sources``, set by ``hqg ingest docs --source-dataset``).

The check decides, with the bundle under review, every principal of the workspace for each
of its purposes: ``sql`` over the dataset, and ``search`` and ``ask`` over the collection, on
the very input documents the pipelines build. Warnings, not errors: a difference may be meant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from authz.decision import Decision
from authz.engine import PolicyEngine
from gateway.access import collection_resource
from gateway.ask.retrieve import ASK_ACTION
from gateway.context import RequestContext
from gateway.identity import Principal
from gateway.search_pipeline import SEARCH_ACTION
from gateway.service import policy_input
from gateway.sql_pipeline import SQL_ACTION
from hqg.errors import HqgError
from ingestion.contracts import DatasetContract
from ingestion.documents.catalog import CollectionRecord

COLLECTION_ACTIONS = (SEARCH_ACTION, ASK_ACTION)


@dataclass(frozen=True)
class Inconsistency:
    """One principal, purpose and action for which a collection and its source disagree."""

    principal: str
    purpose: str
    dataset: str
    collection: str
    action: str
    problem: str

    @property
    def message(self) -> str:
        return (
            f"{self.principal} (purpose {self.purpose}): {self.problem} "
            f"[dataset {self.dataset}, collection {self.collection}, {self.action}]"
        )


def consistency_warnings(
    policy: PolicyEngine,
    *,
    principals: Sequence[Principal],
    datasets: Mapping[str, DatasetContract],
    collections: Sequence[CollectionRecord],
) -> list[Inconsistency]:
    """Every disagreement between a collection and a dataset it was written from."""
    found: list[Inconsistency] = []
    for record in collections:
        for source in record.sources:
            contract = datasets.get(source)
            if contract is None:
                continue  # a source dropped from the catalog: nothing to compare
            for principal in principals:
                for purpose in principal.purposes:
                    found += _compare(policy, principal, purpose, contract, record)
    return found


def _compare(
    policy: PolicyEngine,
    principal: Principal,
    purpose: str,
    contract: DatasetContract,
    record: CollectionRecord,
) -> list[Inconsistency]:
    try:
        ctx = RequestContext.create(principal, purpose=purpose)
    except HqgError:
        return []  # a purpose no request could name
    table = policy.decide(policy_input(ctx, action=SQL_ACTION, tables=[contract]))
    found = []
    for action in COLLECTION_ACTIONS:
        document = policy_input(
            ctx, action=action, tables=[], collections=[collection_resource(record)]
        )
        problem = _problem(table, policy.decide(document), contract.name, record.name)
        if problem is not None:
            found.append(
                Inconsistency(
                    principal=principal.id,
                    purpose=purpose,
                    dataset=contract.name,
                    collection=record.name,
                    action=action,
                    problem=problem,
                )
            )
    return found


def _problem(table: Decision, collection: Decision, dataset: str, name: str) -> str | None:
    grant = table.grant_for(dataset)
    searched = collection.allow and name in collection.collections
    if not table.allow and searched:
        return f"denied dataset {dataset} but allowed collection {name} built from it"
    if table.allow and not searched:
        return f"allowed dataset {dataset} but denied collection {name} built from it"
    unmasked = searched and not collection.collections[name].mask_entities
    if unmasked and grant is not None and grant.masks:
        masked = ", ".join(sorted(grant.masks))
        return (
            f"dataset {dataset} is masked ({masked}) but collection {name} built from it "
            "releases its text unmasked"
        )
    return None
