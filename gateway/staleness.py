"""The policy's ``max_staleness``: evidence older than it is never served.

A decision may bound how old evidence may be (``Decision.max_staleness``). One cutoff per
request, ``staleness_cutoff``, applies to both kinds of evidence:

- Documents: every collection scope built from a decision (search, ask, chat and SQL's
  ``vector_search()``, all through ``collection_scope``) adds ``as_of_epoch >= cutoff`` to the
  grant's filter, inside the engine, so older chunks are never ranked, returned or shown, and
  ``withheld`` counts them. A chunk without ``as_of_epoch`` compares as NULL and is excluded.
- Tables: a dataset is one version, and part of it cannot be served, so a query reading a
  dataset whose serving version is older than the cutoff is refused (``require_fresh``).

The cutoff is ``now - max_staleness`` rounded UP to the next whole minute: stricter than exact
by under 60 s (the fail-closed direction), and the same predicate for a minute, so the counts
cached per predicate (``ingestion.vectors.versions``, keyed on ``hqg.predicates.cache_key``)
are reused instead of missing on every request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from authz.decision import Decision
from hqg.errors import AccessDenied
from hqg.predicates import All, Compare, Predicate
from ingestion.catalog import Dataset
from ingestion.contracts import format_duration
from retrieval.search import CollectionScope

#: The chunk payload field holding its as-of time in epoch seconds (ingestion.documents.model).
AS_OF_FIELD = "as_of_epoch"
_MINUTE = timedelta(minutes=1)
_EARLIEST = datetime(1, 1, 1, tzinfo=UTC)


def staleness_cutoff(max_staleness: timedelta, *, now: datetime) -> float:
    """Epoch seconds before which evidence is too old: ``now - max_staleness``, rounded up to a
    whole minute (never earlier than exact, so never laxer). Rounded on the datetime, not the
    float, so a few microseconds past a minute cannot round down."""
    # a limit reaching before year 1 (a policy's "9999999d") is no limit: clamp, don't overflow
    exact = _EARLIEST if max_staleness >= now - _EARLIEST else now - max_staleness
    minute = exact.replace(second=0, microsecond=0)
    return (minute if minute == exact else minute + _MINUTE).timestamp()


def fresh_predicate(
    predicate: Predicate | None, max_staleness: timedelta | None, *, now: datetime
) -> Predicate | None:
    """``predicate`` further limited to chunks as of the cutoff or later (unchanged without a
    ``max_staleness``)."""
    if max_staleness is None:
        return predicate
    recent = Compare(AS_OF_FIELD, ">=", staleness_cutoff(max_staleness, now=now))
    return recent if predicate is None else All((predicate, recent))


def collection_scope(decision: Decision, name: str, *, now: datetime) -> CollectionScope:
    """What ``decision`` lets a request see of collection ``name``: the grant's filter (and
    staleness cutoff) and its masks; ``AccessDenied`` when the collection is not granted."""
    grant = decision.collections.get(name) if decision.allow else None
    if grant is None:
        raise AccessDenied(
            f"collection {name} is not readable by this principal",
            decision_id=decision.decision_id,
        )
    return CollectionScope(
        name=name,
        predicate=fresh_predicate(grant.filter, decision.max_staleness, now=now),
        mask_entities=grant.mask_entities,
    )


def stale_datasets(
    decision: Decision, datasets: Sequence[Dataset], *, now: datetime
) -> tuple[str, ...]:
    """Names of the datasets whose serving version is older than the cutoff (a dataset with no
    serving version counts as too old: its freshness cannot be shown)."""
    if decision.max_staleness is None:
        return ()
    cutoff = staleness_cutoff(decision.max_staleness, now=now)
    return tuple(
        sorted(
            dataset.name
            for dataset in datasets
            if dataset.current is None or dataset.current.as_of.timestamp() < cutoff
        )
    )


def require_fresh(decision: Decision, datasets: Sequence[Dataset], *, now: datetime) -> None:
    """Refuse with ``AccessDenied`` naming each dataset older than the policy's max staleness
    (names and the duration only, no values)."""
    stale = stale_datasets(decision, datasets, now=now)
    if not stale or decision.max_staleness is None:
        return
    limit = format_duration(decision.max_staleness)
    reasons = tuple(f"{name}: older than the policy's max staleness of {limit}" for name in stale)
    raise AccessDenied(
        f"policy refuses stale data ({'; '.join(reasons)})",
        reasons=(*decision.reasons, *reasons),
        decision_id=decision.decision_id,
    )
