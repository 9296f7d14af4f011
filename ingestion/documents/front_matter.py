"""YAML front matter: the governance fields a document owner writes at the top of a file.

Unknown top-level keys are an error, not ignored: a misspelt ``clasification: restricted`` that
was silently dropped would serve the document at a lower classification. Free fields go under
``metadata`` as scalars, where they become flat payload keys policy can filter on (for example
``customer_id``). Validation messages name the field and the problem, never the value.

Front matter is written by untrusted people, so: a duplicated key is an error (last-one-wins
let a second ``tenant:`` override the first), YAML aliases are refused (an alias bomb expands
a few bytes into gigabytes), the block and every field have a length cap, an ``id`` must be in
the safe alphabet of ``identity.py`` and an ``as_of`` in the future is refused (it would never
go stale). The fences are found by scanning lines, never by a backtracking regex.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hqg.errors import IngestError
from ingestion.contracts import Classification, parse_duration
from ingestion.documents.identity import MAX_ID_LENGTH, TENANT_PATTERN, is_safe_id
from ingestion.limits import IngestLimits

MetadataValue = str | int | float | bool
_KEY = r"^[a-z][a-z0-9_]{0,62}$"
#: How far in the future an ``as_of`` may lie: clock skew between machines, no more.
_CLOCK_SKEW = timedelta(minutes=5)


class FrontMatter(BaseModel):
    """The fields a document may declare about itself; every one optional."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Annotated[str, Field(min_length=1, max_length=MAX_ID_LENGTH)] | None = None
    title: str | None = None
    tenant: Annotated[str, Field(pattern=TENANT_PATTERN)] | None = None
    classification: Classification | None = None
    labels: tuple[Annotated[str, Field(min_length=1)], ...] = ()
    as_of: datetime | None = None
    freshness_sla: timedelta | None = None
    metadata: dict[Annotated[str, Field(pattern=_KEY)], MetadataValue] = Field(default_factory=dict)

    @field_validator("labels", mode="before")
    @classmethod
    def _one_label_is_a_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("as_of", mode="before")
    @classmethod
    def _dates_are_midnight_utc(cls, value: Any) -> Any:
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime.combine(value, time(), tzinfo=UTC)
        return value

    @field_validator("as_of")
    @classmethod
    def _naive_is_utc_and_past(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if value is not None and value > datetime.now(UTC) + _CLOCK_SKEW:
            raise ValueError("lies in the future")
        return value

    @field_validator("id")
    @classmethod
    def _safe_id(cls, value: str | None) -> str | None:
        if value is not None and not is_safe_id(value):
            raise ValueError(
                "use letters, digits, ' _.+=~()-' and '/' between segments (no '.' or '..')"
            )
        return value

    @field_validator("freshness_sla", mode="before")
    @classmethod
    def _parse_sla(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value


class _StrictLoader(yaml.SafeLoader):
    """``SafeLoader`` that refuses duplicate keys and aliases."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.constructor.ConstructorError(None, None, "aliases are not allowed")
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, "duplicate key")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def split_front_matter(
    text: str, *, source: str, limits: IngestLimits | None = None
) -> tuple[FrontMatter, str]:
    """Separate a leading ``---`` YAML block from the body; no block gives empty front matter."""
    limits = limits or IngestLimits()
    block = _block(text, source=source, max_chars=limits.max_front_matter_bytes)
    if block is None:
        return FrontMatter(), text
    start, end, body_start = block
    try:
        data = yaml.load(text[start:end], Loader=_StrictLoader)  # noqa: S506 (strict SafeLoader)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None)
        detail = f" ({problem})" if problem in ("duplicate key", "aliases are not allowed") else ""
        raise IngestError(f"{source}: front matter is not valid YAML{detail}") from exc
    body = text[body_start:].lstrip("\n")
    return parse_front_matter(data, source=source, limits=limits), body


def _block(text: str, *, source: str, max_chars: int) -> tuple[int, int, int] | None:
    """``(yaml start, yaml end, body start)`` of a leading ``---`` block, or None; lines are
    scanned one by one and only within ``max_chars``, so a hostile file costs linear time."""
    offset = 1 if text.startswith("\ufeff") else 0
    newline = text.find("\n", offset, offset + max_chars)
    if newline < 0 or text[offset:newline].rstrip(" \t\r") != "---":
        return None
    start = position = newline + 1
    while position - start <= max_chars:
        newline = text.find("\n", position, start + max_chars + 1)
        line_end = len(text) if newline < 0 else newline
        if text[position:line_end].rstrip(" \t\r") in ("---", "..."):
            return start, position, line_end + 1
        if newline < 0:
            break
        position = newline + 1
    if len(text) - start > max_chars:
        raise IngestError(
            f"{source}: front matter is not closed within {max_chars:,} characters "
            "(HQG_INGEST__MAX_FRONT_MATTER_BYTES)"
        )
    raise IngestError(f"{source}: front matter starts with '---' but is never closed")


def parse_front_matter(
    data: Any, *, source: str, limits: IngestLimits | None = None
) -> FrontMatter:
    """Validate parsed front matter; errors name the field, never its value."""
    if data is None:
        return FrontMatter()
    if not isinstance(data, dict):
        raise IngestError(f"{source}: front matter must be a mapping")
    try:
        front = FrontMatter.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(err) for err in exc.errors())
        raise IngestError(f"{source}: front matter: {problems}") from exc
    problem = _over_limits(front, limits or IngestLimits())
    if problem is not None:
        raise IngestError(f"{source}: front matter: {problem}")
    return front


def _over_limits(front: FrontMatter, limits: IngestLimits) -> str | None:
    """The first field over its cap, named with its setting; None when all fit."""
    strings = [value for value in front.metadata.values() if isinstance(value, str)]
    checks = (
        ("title", len(front.title or ""), limits.max_title_chars, "max_title_chars"),
        ("labels", len(front.labels), limits.max_labels, "max_labels"),
        (
            "labels",
            max((len(label) for label in front.labels), default=0),
            limits.max_label_chars,
            "max_label_chars",
        ),
        ("metadata", len(front.metadata), limits.max_metadata_keys, "max_metadata_keys"),
        (
            "metadata",
            max((len(value) for value in strings), default=0),
            limits.max_metadata_value_chars,
            "max_metadata_value_chars",
        ),
    )
    for field, value, limit, setting in checks:
        if value > limit:
            return f"{field}: longer than {limit:,} (HQG_INGEST__{setting.upper()})"
    return None


def _describe(err: Any) -> str:
    where = ".".join(str(part) for part in err["loc"]) or "(front matter)"
    if err["type"] == "extra_forbidden":
        return f"{where}: unknown field (put free fields under 'metadata')"
    return f"{where}: {err['msg']}"
