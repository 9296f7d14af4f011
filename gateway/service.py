"""The gateway: one object holding the engines a request needs, passed to every use case.

It is built in one place, ``gateway.wiring.build_gateway``; everything else receives it. No
module globals: tests and the server each build their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from audit import AuditLog
from authz.decision import Decision
from authz.engine import PolicyEngine
from gateway.components import Components
from gateway.context import RequestContext
from gateway.ops.operations import Operations
from gateway.principals import PrincipalDirectory
from gateway.settings import Settings
from ingestion.catalog import Catalog, Dataset
from ingestion.contracts import DatasetContract
from ingestion.documents.catalog import DocumentCatalog
from ingestion.embedding import Embedder
from ingestion.vectors.base import VectorIndex
from ingestion.workspace import Workspace
from privacy.spans import Span
from retrieval.sql.engine import QueryEngine
from retrieval.sql.sources import TableSource


@dataclass
class _Snapshot:
    generation: int = -1
    datasets: dict[str, Dataset] = field(default_factory=dict)
    sources: dict[str, TableSource] | None = None  # of ``datasets``, built on first use


@dataclass
class Gateway:
    """Holds the long-lived engines; every method is safe to call from many threads."""

    settings: Settings
    workspace: Workspace
    catalog: Catalog
    policy: PolicyEngine
    principals: PrincipalDirectory
    audit: AuditLog
    queries: QueryEngine
    demo: bool
    ops: Operations
    components: Components
    documents: DocumentCatalog  # built once: its schema set-up writes, request paths only read
    #: Extra PII finders of the egress guard (``gateway.egress.SpanFinder``), e.g. the
    #: known-entity matcher.
    egress_finders: tuple[Callable[[str], list[Span]], ...] = ()
    _snapshot: _Snapshot = field(default_factory=_Snapshot)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def datasets(self) -> Mapping[str, Dataset]:
        """The catalog as of now, re-read only when an ingest has bumped its generation."""
        generation = self.catalog.generation()
        with self._lock:
            if generation != self._snapshot.generation:
                datasets = {d.name: d for d in self.catalog.datasets()}
                self._snapshot = _Snapshot(generation, datasets)
            return self._snapshot.datasets

    def sources(self, datasets: Mapping[str, Dataset]) -> dict[str, TableSource]:
        """Every dataset of a snapshot with a serving version, as the query engine reads it.

        Take the snapshot once per request (``datasets()``) so provenance and execution agree
        on versions even if an ingest commits mid-request. For the current snapshot they are
        built once, not per request (a copy of the mapping is returned).
        """
        snapshot = self._snapshot
        if datasets is snapshot.datasets:
            if snapshot.sources is None:
                snapshot.sources = self._sources_of(datasets)
            return dict(snapshot.sources)
        return self._sources_of(datasets)

    def _sources_of(self, datasets: Mapping[str, Dataset]) -> dict[str, TableSource]:
        return {
            name: TableSource(
                contract=dataset.contract,
                database=self.workspace.home / dataset.current.file,
                version=dataset.current.version,
            )
            for name, dataset in datasets.items()
            if dataset.current is not None
        }

    def decide(
        self,
        ctx: RequestContext,
        *,
        action: str,
        tables: Sequence[DatasetContract] = (),
        collections: Sequence[Mapping[str, Any]] = (),
    ) -> Decision:
        """Ask the policy engine; any engine failure raises PolicyEngineError (fail closed)."""
        document = policy_input(ctx, action=action, tables=tables, collections=collections)
        with self.ops.metrics.stage_timer("policy"):
            return self.policy.decide(document)

    @property
    def vectors(self) -> VectorIndex:
        return self.components.vectors.get()

    @property
    def embedder(self) -> Embedder:
        return self.components.embedder.get()

    def close(self) -> None:
        self.queries.close()
        self.components.close()
        self.audit.close()  # its head follows the last commit in the background


def policy_input(
    ctx: RequestContext,
    *,
    action: str,
    tables: Sequence[DatasetContract],
    collections: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The input document policies see (documented in ``authz.decision``)."""
    return {
        "principal": ctx.principal.policy_input(),
        "action": action,
        "purpose": ctx.purpose,
        "resources": {
            "tables": [table.model_dump(mode="json") for table in tables],
            "collections": [dict(collection) for collection in collections],
        },
    }
