"""``DatasetRef``: the one way to name a dataset (or a ``collection:<name>``) as a request read it.

Responses carry it as provenance (name, version, the version's as-of time and content hash) and
the audit log keeps it for every request (name and version). One type, so the two cannot drift
apart. Every field is an identifier, never user text, and a value that is not one is refused
without being echoed: the audit's "no raw PII" rule holds for it wherever it is built.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
)

Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
Digest = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9:]{1,128}$")]


class DatasetRef(BaseModel):
    """A dataset or collection a request read: its name, the version read (a catalog version
    id such as ``v3``; None for a collection), and, for a table, that version's as-of time and
    content hash."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    name: Identifier
    version: Identifier | None = None
    as_of: datetime | None = None
    content_hash: Digest | None = None

    @model_serializer(mode="wrap")
    def _omit_unread(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Leave out the as-of time and hash when not known, so an audit line names a dataset
        as ``{"name", "version"}`` only, as it always has."""
        data: dict[str, Any] = handler(self)
        return {k: v for k, v in data.items() if v is not None or k in {"name", "version"}}
