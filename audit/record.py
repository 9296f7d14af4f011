"""One audit record: who asked what, what policy decided, and what was served.

The contract with callers: **no raw PII ever reaches a record.** The fields hold identifiers,
counts, policy outcomes and the query's shape, and their validators keep it that way where they
can: ``query_redacted`` is redacted again on construction (pass the SQL as submitted; a raw
query cannot be stored by mistake), and ``extra`` only takes numbers, booleans and short
identifier-like strings (no spaces, no ``@``). Prompts and answers are never fields; a caller
that wants to keep them must mask them first and is responsible for that.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from audit.redact import redact_sql_literals
from hqg.refs import DatasetRef

_NAME = r"^[A-Za-z0-9_.:-]{1,64}$"
_NAME_RE = re.compile(_NAME)
_ACTION = (
    r"^(sql|search|ask|chat|catalog|models|audit(\.[a-z_]{1,32})?|policy\.[a-z_]{1,32}"
    r"|mcp\.[a-z_]{1,32}|console\.[a-z_]{1,32}|http\.unrouted)$"
)

#: The ``extra`` key holding the use case's own action when a transport files a record under a
#: name of its own (MCP's ``mcp.<tool>``): replay, metrics and usage read the use case.
USE_CASE = "use_case"

Name = Annotated[str, StringConstraints(pattern=_NAME)]
ExtraValue = (
    Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{0,64}$")]
    | int
    | Annotated[float, Field(allow_inf_nan=False)]
    | bool
    | None
)
Reason = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00-\x1f]*$")]


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    return value.astimezone(UTC)


def _keys_are_names(value: Any) -> Any:
    """Check mapping keys here: pydantic would name a rejected key in its error."""
    if isinstance(value, dict) and not all(
        isinstance(key, str) and _NAME_RE.match(key) for key in value
    ):
        raise ValueError("keys must be short identifiers")
    return value


def _redacted(value: str | None) -> str | None:
    return None if value is None else redact_sql_literals(value)


class AuditRecord(BaseModel):
    """What the gateway keeps about one request; see the module docstring for the PII rule."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    ts: Annotated[datetime, AfterValidator(_utc)] = Field(default_factory=lambda: datetime.now(UTC))
    request_id: Name
    principal_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")] | None
    tenant: Name | None = None
    purpose: Name | None = None
    action: Annotated[str, StringConstraints(pattern=_ACTION)]
    datasets: tuple[DatasetRef, ...] = ()
    decision_id: Name | None = None
    policy_hash: Name | None = None
    allowed: bool
    reasons: tuple[Reason, ...] = ()
    rows_returned: Annotated[int, Field(ge=0)] | None = None
    withheld: Annotated[
        dict[str, Annotated[int, Field(ge=0)]], BeforeValidator(_keys_are_names)
    ] = Field(default_factory=dict)
    latency_ms: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 0.0
    status: Annotated[int, Field(ge=100, le=599)]
    query_redacted: Annotated[str | None, AfterValidator(_redacted)] = None
    extra: Annotated[
        dict[str, ExtraValue], Field(max_length=16), BeforeValidator(_keys_are_names)
    ] = Field(default_factory=dict)


def use_case_of(record: AuditRecord) -> str:
    """The action of the use case that served ``record`` (its ``action`` unless a transport
    filed it under its own name)."""
    use_case = record.extra.get(USE_CASE)
    return use_case if isinstance(use_case, str) and use_case else record.action
