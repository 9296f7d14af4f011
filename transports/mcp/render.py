"""Tool results as MCP renders them: structured content, and a text an LLM reads.

Everything rendered here was already released by the use case's egress guard (results) or
passes the error guard (refusals), so the text is a view of released data, never a second
source. ``query_sql`` gets a compact table with the withheld counts, masks and freshness after
it; other tools get their structured content as compact JSON (MCP clients without structured
content read that).
"""

from __future__ import annotations

import json
from typing import Any

from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel

from gateway.egress import error_details, error_guard
from gateway.responses import SqlResponse
from gateway.service import Gateway
from hqg.errors import HqgError

#: Rows shown in the text table; the structured content carries all of them.
TEXT_ROWS = 50
_CELL = 60


def tool_result(response: BaseModel) -> CallToolResult:
    structured = response.model_dump(mode="json")
    text = (
        sql_text(response)
        if isinstance(response, SqlResponse)
        else json.dumps(structured, separators=(",", ":"), ensure_ascii=False)
    )
    return CallToolResult(content=[TextContent(text=text)], structured_content=structured)


def sql_text(response: SqlResponse) -> str:
    names = [column.name for column in response.columns]
    lines = [" | ".join(names), " | ".join("---" for _ in names)]
    lines += [" | ".join(_cell(value) for value in row) for row in response.rows[:TEXT_ROWS]]
    shown = min(len(response.rows), TEXT_ROWS)
    more = f", {shown} shown" if shown < len(response.rows) else ""
    truncated = " (truncated at the row cap)" if response.truncated else ""
    lines.append(f"{response.row_count} row(s){more}{truncated}")
    withheld = ", ".join(f"{name}={count}" for name, count in response.withheld.items())
    lines.append(f"withheld by policy: {withheld or 'none'}")
    masks = [
        f"{table}.{column}={kind.value}"
        for table, columns in response.masking.items()
        for column, kind in columns.items()
    ]
    lines.append(f"masked: {', '.join(masks) or 'none'}")
    for fresh in response.freshness:
        state = "STALE" if fresh.stale else "fresh"
        lines.append(f"freshness: {fresh.dataset} as of {fresh.as_of} (SLA {fresh.sla}) {state}")
    lines.append(
        f"decision {response.decision.id}; policy {response.decision.policy_hash[:12]}; "
        f"request {response.request_id}"
    )
    return "\n".join(lines)


def _cell(value: Any) -> str:
    text = "NULL" if value is None else str(value)
    text = text.replace("\n", " ").replace("|", "/")
    return text if len(text) <= _CELL else text[: _CELL - 1] + "…"


def error_result(gateway: Gateway, exc: HqgError, *, request_id: str) -> CallToolResult:
    """A refusal as a tool error (``isError``): the REST error body, through the error guard."""
    error = error_details(exc, error_guard(gateway))
    error["request_id"] = request_id
    error["status"] = exc.status  # the HTTP status REST answers for the same refusal
    text = f"{error['code']}: {error['message']}"
    if error.get("reasons"):
        text += "\nreasons: " + "; ".join(error["reasons"])
    return CallToolResult(
        content=[TextContent(text=text)], structured_content={"error": error}, is_error=True
    )
