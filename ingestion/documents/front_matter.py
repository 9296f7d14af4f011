"""YAML front matter: the governance fields a document owner writes at the top of a file.

Unknown top-level keys are an error, not ignored: a misspelt ``clasification: restricted`` that
was silently dropped would serve the document at a lower classification. Free fields go under
``metadata`` as scalars, where they become flat payload keys policy can filter on (for example
``customer_id``). Validation messages name the field and the problem, never the value.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hqg.errors import IngestError
from ingestion.contracts import Classification, parse_duration

MetadataValue = str | int | float | bool
_FENCE = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)
_KEY = r"^[a-z][a-z0-9_]{0,62}$"


class FrontMatter(BaseModel):
    """The fields a document may declare about itself; every one optional."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")] | None = (
        None
    )
    title: str | None = None
    tenant: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    classification: Classification | None = None
    labels: tuple[Annotated[str, Field(min_length=1, max_length=100)], ...] = ()
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
    def _naive_is_utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @field_validator("freshness_sla", mode="before")
    @classmethod
    def _parse_sla(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value


def split_front_matter(text: str, *, source: str) -> tuple[FrontMatter, str]:
    """Separate a leading ``---`` YAML block from the body; no block gives empty front matter."""
    opening = _FENCE.match(text)
    if opening is None:
        return FrontMatter(), text
    closing = _CLOSE.search(text, opening.end())
    if closing is None:
        raise IngestError(f"{source}: front matter starts with '---' but is never closed")
    try:
        data = yaml.safe_load(text[opening.end() : closing.start()])
    except yaml.YAMLError as exc:
        raise IngestError(f"{source}: front matter is not valid YAML") from exc
    body = text[closing.end() :].lstrip("\r\n")
    return parse_front_matter(data, source=source), body


def parse_front_matter(data: Any, *, source: str) -> FrontMatter:
    """Validate parsed front matter; errors name the field, never its value."""
    if data is None:
        return FrontMatter()
    if not isinstance(data, dict):
        raise IngestError(f"{source}: front matter must be a mapping")
    try:
        return FrontMatter.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(err) for err in exc.errors())
        raise IngestError(f"{source}: front matter: {problems}") from exc


def _describe(err: Any) -> str:
    where = ".".join(str(part) for part in err["loc"]) or "(front matter)"
    if err["type"] == "extra_forbidden":
        return f"{where}: unknown field (put free fields under 'metadata')"
    return f"{where}: {err['msg']}"
