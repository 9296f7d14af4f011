"""The egress guard: the one place every string leaving the gateway for a masked principal
passes (DESIGN §4 (d)).

Masking on read splices the spans found at ingest; a detector misses values, so every outbound
string is passed once more through this guard, which applies:

- (stored spans are spliced before, by evidence masking on read, with the same vault);
- the extra span finders plugged into the gateway (``Gateway.egress_finders``: the catalog's
  known-entity matcher, cheap and exact) and, for text a model wrote, the live PII detector;
- placeholder protection and edge fitting (``privacy.fitting``): a placeholder is never masked
  again and a mask never eats the punctuation around a value;
- one vault per response, shared with the evidence masking of the same request, so one value
  gets one pseudonym (compared by a canonical key: ``privacy.vault``).

Pipelines build the guard from the decision (``for_search``, ``for_sql``) and pass their whole
response model through ``release``, which walks every string field, so a field added to a
response model later is covered without anyone remembering to. Text a model wrote is also
untrusted as markup: ``strip_foreign_links`` strips markdown images and links unless their host
is allow-listed or the URL is copied verbatim from the evidence (a rendered image is a request
to its host: an exfiltration channel); the output guard applies it once, to the draft, before
anything else reads it, and masks the result here with the live detector as an extra finder.

A principal whose decision masks nothing gets an inactive guard: strings pass unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable
from urllib.parse import urlsplit

from pydantic import BaseModel

from authz.decision import Decision
from guards.links import host_allowed
from hqg.errors import (
    AccessDenied,
    HqgError,
    InvalidParameter,
    PrivacyError,
    RateLimited,
    RequestTooLarge,
    UnsafeQuery,
)
from ingestion.contracts import DatasetContract
from privacy.masker import MaskedText, MaskPolicy, mask_text
from privacy.operators import MaskKind
from privacy.spans import Span
from privacy.vault import PseudonymVault
from retrieval.evidence import WILDCARD, Evidence

if TYPE_CHECKING:
    from gateway.service import Gateway

SpanFinder = Callable[[str], list[Span]]
"""Finds PII spans in a text (offsets into it); e.g. ``KnownEntities.find``, ``detector.detect``."""


@runtime_checkable
class PinnableFinder(Protocol):
    """A finder whose answers follow changing state (the catalog's known entities follow its
    generation). ``pinned()`` is a finder over the state as it is now, so ``release`` reads
    that state once per response instead of once per string (a search response holds ~70)."""

    def __call__(self, text: str) -> list[Span]: ...

    def pinned(self) -> SpanFinder: ...


EgressPolicy = Mapping[str, MaskKind]
"""Entity type -> kind; ``"*"`` covers every type not named. Empty: nothing is masked."""

Model = TypeVar("Model", bound=BaseModel)

_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"\n]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s*\[[^\]\n]+\]:\s*(\S+).*$", re.MULTILINE)
# absolute, or scheme-relative (``//host/path``, as in ``<img src=//host/...>`` or CSS ``url()``)
_BARE_URL = re.compile(
    r"(?:\b(?:https?|ftp):|(?<![\w:/]))//(?=[a-z0-9-]+(?:\.[a-z0-9-]+)+)[^\s<>()\[\]\"']+",
    re.IGNORECASE,
)
LINK_REMOVED = "[link removed]"
#: SQL masks cannot pseudonymise (no vault in DuckDB), so SQL egress uses the same fallbacks.
_SQL_KIND = {MaskKind.PSEUDONYM: MaskKind.PLACEHOLDER, MaskKind.ENCRYPT: MaskKind.NULL}


class EgressGuard:
    """Masks outbound strings for one response (see the module docstring)."""

    def __init__(
        self,
        *,
        policy: EgressPolicy,
        vault: PseudonymVault,
        finders: Sequence[SpanFinder] = (),
    ) -> None:
        self._policy = MappingProxyType(dict(policy))
        self._vault = vault
        self._finders = tuple(finders)

    @property
    def active(self) -> bool:
        return bool(self._policy)

    @property
    def vault(self) -> PseudonymVault:
        """The response's vault: evidence masking of the same request must use it too."""
        return self._vault

    def mask(self, value: str, *, extra: Sequence[SpanFinder] = ()) -> MaskedText:
        """``value`` with every span the policy masks replaced; fails closed (PrivacyError)."""
        chosen = self._chosen(value, extra)
        return self._splice(value, chosen) if chosen else MaskedText(text=value, entity_counts={})

    def text(self, value: str) -> str:
        """``mask(value).text``, without building a result when nothing is found (the
        common case: this runs on every string of a response)."""
        chosen = self._chosen(value, ())
        return self._splice(value, chosen).text if chosen else value

    def _splice(self, value: str, chosen: Sequence[Span]) -> MaskedText:
        kinds = {s.entity_type: self._kind(s.entity_type) for s in chosen}
        return mask_text(value, chosen, policy=kinds, vault=self._vault)

    def _chosen(self, value: str, extra: Sequence[SpanFinder]) -> list[Span]:
        finders = (*self._finders, *extra)
        if not self.active or not value or not finders:
            return []
        try:
            found = [s for finder in finders for s in finder(value)]
        except HqgError:
            raise
        except Exception as exc:
            raise PrivacyError("a PII finder failed at egress; nothing served") from exc
        return [s for s in found if WILDCARD in self._policy or s.entity_type in self._policy]

    def model_text(
        self,
        value: str,
        *,
        detector: SpanFinder,
        allowed_hosts: Iterable[str],
        allowed_urls: Iterable[str] = (),
    ) -> MaskedText:
        """Text a model wrote that no earlier step has stripped (tool-call arguments, JSON
        values, streamed windows): foreign links and images stripped, then masked with the
        live ``detector`` as an extra finder (a model may repeat a value from anywhere)."""
        stripped = strip_foreign_links(
            value, allowed_hosts=allowed_hosts, allowed_urls=allowed_urls
        )
        return self.mask(stripped, extra=(detector,))

    def release(self, model: Model) -> Model:
        """``model`` with every string in it (nested models, tuples, lists, mapping values)
        passed through ``text``; keys, enums, numbers and dates are left alone. A finder that
        can be pinned (``PinnableFinder``) is pinned once for the whole walk: one response is
        masked against one state of what it knows, read when the response is released (after
        everything in it was read), not once per string. A string that occurs again in the same
        response (a collection or entity-type name, a title per chunk: ~20 of a search's ~70)
        is looked up once: masking it again would give the same text (one state of the finders,
        one vault per response)."""
        if not self.active or not self._finders:
            return model  # no stored spans here: without finders nothing could be found
        released = self._pinned()._walk(model, {})
        if not isinstance(released, type(model)):
            raise PrivacyError("the egress guard could not rebuild a response")
        return released

    def stream(self, deltas: Iterable[str]) -> Iterator[str]:
        """Guard a stream of text deltas: held back to sentence boundaries, so a value split
        across two deltas is seen whole before anything of it is sent."""
        pending = ""
        for delta in deltas:
            pending += delta
            cut = _last_boundary(pending)
            if cut:
                yield self.text(pending[:cut])
                pending = pending[cut:]
        if pending:
            yield self.text(pending)

    def _pinned(self) -> EgressGuard:
        try:
            finders = [f.pinned() if isinstance(f, PinnableFinder) else f for f in self._finders]
        except HqgError:
            raise
        except Exception as exc:
            raise PrivacyError("a PII finder failed at egress; nothing served") from exc
        return EgressGuard(policy=self._policy, vault=self._vault, finders=finders)

    def _kind(self, entity_type: str) -> MaskKind:
        return self._policy.get(entity_type) or self._policy[WILDCARD]

    def _walk(self, value: Any, released: dict[str, str]) -> Any:
        """``value`` with its strings through ``text``; ``released`` memoises them for the
        response. A model none of whose fields changed is returned as it is (no copy)."""
        if isinstance(value, Enum) or not isinstance(
            value, str | BaseModel | tuple | list | Mapping
        ):
            return value
        if isinstance(value, str):
            if value not in released:
                released[value] = self.text(value)
            return released[value]
        if isinstance(value, BaseModel):
            fields = type(value).model_fields
            updates = {name: self._walk(getattr(value, name), released) for name in fields}
            if all(updates[name] is getattr(value, name) for name in fields):
                return value
            return value.model_copy(update=updates)
        if isinstance(value, tuple):
            items = tuple(self._walk(item, released) for item in value)
            return value if all(a is b for a, b in zip(items, value, strict=True)) else items
        if isinstance(value, list):
            return [self._walk(item, released) for item in value]
        return {key: self._walk(item, released) for key, item in value.items()}


def _last_boundary(text: str) -> int:
    """Index just after the last sentence end followed by whitespace (0: none yet)."""
    for index in range(len(text) - 1, 0, -1):
        if text[index].isspace() and text[index - 1] in ".!?\n":
            return index + 1
    return 0


def as_egress_policy(policy: MaskPolicy | None) -> EgressPolicy:
    """A masker policy (one kind for every type, a mapping, or None: nothing masked) as an
    egress policy."""
    if policy is None:
        return {}
    if isinstance(policy, MaskKind):
        return {WILDCARD: policy}
    return dict(policy)


#: Most hiding first: a value masked one way in one collection and another way in another
#: leaves with the kind that reveals least (PARTIAL keeps characters, so it comes last).
_STRICTNESS = (
    MaskKind.NULL,
    MaskKind.REDACT,
    MaskKind.PLACEHOLDER,
    MaskKind.PSEUDONYM,
    MaskKind.HASH,
    MaskKind.ENCRYPT,
    MaskKind.PARTIAL,
)


def collection_policy(mask_entities: Iterable[Mapping[str, MaskKind]]) -> EgressPolicy:
    """The strictest of several collections' entity masks, type by type: for each type, the
    most hiding kind any collection applies to it (by name, or by its wildcard)."""
    mappings = [dict(mapping) for mapping in mask_entities]
    types = {entity for mapping in mappings for entity in mapping}
    merged: dict[str, MaskKind] = {}
    for entity in types:
        kinds = [m.get(entity, m.get(WILDCARD)) for m in mappings]
        merged[entity] = min((k for k in kinds if k is not None), key=_STRICTNESS.index)
    return merged


def for_collections(
    decision: Decision, *, vault: PseudonymVault, finders: Sequence[SpanFinder]
) -> EgressGuard:
    """The guard of a search or answer over the decision's collections."""
    policy = collection_policy(grant.mask_entities for grant in decision.collections.values())
    return EgressGuard(policy=policy, vault=vault, finders=finders)


def for_sql(
    decision: Decision,
    contracts: Mapping[str, DatasetContract],
    *,
    finders: Sequence[SpanFinder],
) -> EgressGuard:
    """The guard of a SQL response: the entity types of the PII columns the decision masks
    (every type when it masks a free-text column, which may hold any), and the collections'
    entity masks, all with SQL's kinds (placeholders, never pseudonyms)."""
    policy: dict[str, MaskKind] = {}
    for name, grant in decision.tables.items():
        contract = contracts.get(name)
        for column in contract.columns if contract is not None else ():
            kind = grant.masks.get(column.name.lower())
            if kind is None:
                continue
            if column.is_free_text:
                policy[WILDCARD] = _SQL_KIND.get(kind, kind)
            elif column.pii_entity is not None:
                policy[column.pii_entity] = _SQL_KIND.get(kind, kind)
    for collection in decision.collections.values():
        for entity, kind in collection.mask_entities.items():
            policy[entity] = _SQL_KIND.get(kind, kind)
    if WILDCARD in policy:
        policy = {WILDCARD: policy[WILDCARD]}
    return EgressGuard(policy=policy, vault=PseudonymVault(), finders=finders)


def error_guard(gateway: Gateway | None) -> EgressGuard:
    """The guard of error messages: every value the finders know becomes a placeholder, for
    every caller (no decision exists yet, or it refused)."""
    finders = gateway.egress_finders if gateway is not None else ()
    return EgressGuard(
        policy={WILDCARD: MaskKind.PLACEHOLDER}, vault=PseudonymVault(), finders=finders
    )


def error_details(exc: HqgError, egress: EgressGuard) -> dict[str, Any]:
    """What every transport says about a refusal: its code and message and the fields of its
    kind (the decision and reasons of a deny, the guard rule, the parameter, the limit, the
    wait), each text through ``egress`` (``error_guard``). One function, so REST, OpenAI and
    MCP cannot drift apart in what they disclose; a transport only adds its envelope."""
    details: dict[str, Any] = {"code": exc.code, "message": egress.text(exc.message)}
    if isinstance(exc, AccessDenied):
        details["decision_id"] = exc.decision_id
        details["reasons"] = [egress.text(reason) for reason in exc.reasons]
    elif isinstance(exc, UnsafeQuery):
        details["rule"] = exc.rule
    elif isinstance(exc, InvalidParameter):
        details["parameter"] = egress.text(exc.parameter)  # an unsupported key is caller text
    elif isinstance(exc, RequestTooLarge):
        details["limit"] = exc.limit
    elif isinstance(exc, RateLimited):
        details["retry_after"] = exc.retry_after
    return {key: value for key, value in details.items() if value is not None}


def urls_in(texts: Iterable[str]) -> frozenset[str]:
    """Every absolute URL written out in ``texts``, as written."""
    return frozenset(match.group(0) for text in texts for match in _BARE_URL.finditer(text))


def evidence_urls(evidence: Iterable[Evidence]) -> frozenset[str]:
    """The URLs a model may repeat verbatim: those in the released evidence's text or source."""
    return urls_in(text for item in evidence for text in (item.text, item.source))


def strip_foreign_links(
    text: str, *, allowed_hosts: Iterable[str], allowed_urls: Iterable[str] = ()
) -> str:
    """Markdown images and links, reference definitions and bare URLs are removed (a link keeps
    its text) unless their host is in ``allowed_hosts`` (or a sub-domain of one) or the URL is
    one of ``allowed_urls`` exactly (copied, so it carries nothing the model added); relative
    URLs count as foreign."""
    allowed = frozenset(host.lower().rstrip(".") for host in allowed_hosts)
    verbatim = frozenset(allowed_urls)

    def ok(url: str) -> bool:
        if url in verbatim:
            return True
        try:
            host = urlsplit(url).hostname
        except ValueError:
            return False
        return host is not None and host_allowed(host.lower().rstrip("."), allowed)

    def link(match: re.Match[str]) -> str:
        image, label, url = match.group(1), match.group(2), match.group(3)
        if ok(url):
            return match.group(0)
        return "" if image else label

    text = _LINK.sub(link, text)
    text = _REFERENCE.sub(lambda m: m.group(0) if ok(m.group(1)) else "", text)
    return _BARE_URL.sub(lambda m: m.group(0) if ok(m.group(0)) else LINK_REMOVED, text)
