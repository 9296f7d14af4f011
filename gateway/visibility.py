"""What a caller may know exists: the datasets and collections ``/v1/catalog`` would show it.

DESIGN §4, "a forbidden dataset answers like a missing one": if ``SELECT * FROM hr_salaries``
were a 403 naming the table's classification while an unknown table is a 400, the error code
alone would tell an analyst which tables exist. So every data path (SQL, hybrid SQL's
``vector_search`` collections, search, ask, chat, and the CLI over the same pipelines) first
asks this module, on its refusal path only, which of the named objects the caller may see,
and answers for the others exactly what it answers for a name that does not exist.

Precisely: an object is *visible* when a ``catalog`` decision for the caller, under the
request's purpose or any purpose the principal declares, is allowed and grants it, i.e.
when the caller could list it in ``/v1/catalog`` (or search it unnamed). Every other refusal
concerns an object the caller can see and stays a 403 with its reasons: a purpose the role
does not permit for the action, a role that reads no rows, a dataset too stale for the
policy, limits. The security role's tools (``/v1/policy/evaluate``, explain, simulate, the
audit log) still name the real decision: they are the place to ask why.

Visibility is a property of the principal, not of the request's purpose: otherwise sending a
wrong purpose would be a way to ask whether a name exists. The decisions are cached by the
policy engine, and the happy path never asks (an allowed request only names granted, hence
visible, objects).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from gateway.context import RequestContext
from gateway.service import Gateway
from hqg.errors import AccessDenied, HqgError, NotFound, UnsafeQuery
from ingestion.contracts import DatasetContract

CATALOG_ACTION = "catalog"
#: The guard rules that refuse a name that does not exist (or that the caller may not see);
#: a collection is refused as ``UnknownCollection``, a ``NotFound``.
MISSING_RULES = frozenset({"unknown_table"})


def refused_as_missing(exc: HqgError) -> bool:
    """Whether ``exc`` is the answer a missing object gets, which is also the refusal of an
    object the caller may not see (for callers that tally refusals, e.g. the evals)."""
    return isinstance(exc, NotFound) or (isinstance(exc, UnsafeQuery) and exc.rule in MISSING_RULES)


def _seen(
    ctx: RequestContext, wanted: set[str], granted: Callable[[RequestContext], set[str]]
) -> frozenset[str]:
    """The names of ``wanted`` an allowed catalog decision grants under some purpose of the
    caller (``granted`` asks policy under one purpose, empty when the decision denies)."""
    seen: set[str] = set()
    if not wanted:
        return frozenset()
    for purpose in dict.fromkeys(p for p in (ctx.purpose, *ctx.principal.purposes) if p):
        try:
            as_purpose = ctx.with_purpose(purpose)
        except AccessDenied:  # a malformed purpose in the principals file lists nothing
            continue
        seen |= wanted & granted(as_purpose)
        if seen == wanted:
            break
    return frozenset(seen)


def visible_tables(
    gateway: Gateway, ctx: RequestContext, contracts: Sequence[DatasetContract]
) -> frozenset[str]:
    """The names among ``contracts`` the caller could list in ``/v1/catalog``."""

    def granted(as_purpose: RequestContext) -> set[str]:
        decision = gateway.decide(as_purpose, action=CATALOG_ACTION, tables=contracts)
        return set(decision.tables) if decision.allow else set()

    return _seen(ctx, {c.name for c in contracts}, granted)


def visible_collections(
    gateway: Gateway, ctx: RequestContext, resources: Sequence[Mapping[str, object]]
) -> frozenset[str]:
    """The names among the collection ``resources`` (as policy sees them) the caller could
    search without naming them."""

    def granted(as_purpose: RequestContext) -> set[str]:
        decision = gateway.decide(as_purpose, action=CATALOG_ACTION, collections=resources)
        return set(decision.collections) if decision.allow else set()

    return _seen(ctx, {str(r["name"]) for r in resources}, granted)
