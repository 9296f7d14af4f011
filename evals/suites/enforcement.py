"""Enforcement: the principal × purpose × request matrix of ``evals/data/enforcement.yaml``.

Each cell is run in-process on the demo workspace through the function its endpoint calls
(``governed_sql`` for SQL, ``governed_search_request`` for search, ``ask`` for ask and chat) and
compared with its expected outcome. Every chat cell runs again over the tool-call path and the
multi-turn path (``evals.tool_paths``) with the same expectation: a decision must not depend
on the shape of the conversation. The SQL, search and ask cells run once more as MCP tool
calls (``evals.mcp_channel``), judged the same way (``mcp_violations``, also counted in
``violations``). ``violations`` counts cells whose outcome differs: an unexpected allow is a
hole, an unexpected deny a broken product, and both gate CI. Unsafe-query and other errors
count as violations too: the matrix holds only valid SQL.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from evals.asking import turn_messages
from evals.config import data_file
from evals.context import EvalContext
from evals.mcp_channel import McpReply, call_all, enforcement_call, refused
from evals.model import Bar, Chart, Metric, SuiteConfig, SuiteOutcome, Table
from evals.stats import deterministic_sample, wilson_interval
from evals.tool_paths import PATH_KINDS, TOOL_OPTIONS, EchoingToolModel, path_messages
from gateway.ask.answerers import DEFAULTS, ChatModel
from gateway.ask.pipeline import ask
from gateway.ask.prompt_guard import Message
from gateway.context import RequestContext
from gateway.responses import SqlResponse
from gateway.search_pipeline import governed_search_request
from gateway.service import Gateway
from gateway.sql_pipeline import governed_sql
from gateway.visibility import refused_as_missing
from gateway.wiring import build_chat_model
from hqg.errors import AccessDenied, HqgError
from ingestion.vectors.base import SearchMode

OUTCOMES = ("deny", "allow", "masked", "clear", "nonzero", "withheld")
KINDS = ("sql", "search", "ask", "chat", *PATH_KINDS)
CHAT_SYSTEM = "You are the support assistant of this workspace. Answer from the documents."


class Case(BaseModel):
    """One cell of the matrix."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    principal: str
    purpose: str
    request: str
    kind: str = "sql"
    text: str  # the SQL, the search query or the question
    column: str | None = None
    collections: tuple[str, ...] | None = None  # None: every collection (implicit)
    history: tuple[str, ...] = ()  # earlier user turns of a multi-turn ask or chat
    expect: str

    @property
    def key(self) -> str:
        return f"{self.principal}/{self.purpose}:{self.request}"


def load_matrix(path: Path) -> list[Case]:
    """Expand the matrix file into cases; a malformed cell is a ``ValueError`` naming it.

    SQL cells come from ``requests``/``matrix``, document cells (search, ask, chat) from
    ``document_requests``/``document_matrix``: two grids, so a row's ``"*"`` never spans both.
    """
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = _expand(document["requests"], document["matrix"])
    return cases + _expand(
        document.get("document_requests", {}), document.get("document_matrix", {})
    )


def _expand(requests: dict[str, dict[str, Any]], matrix: dict[str, Any]) -> list[Case]:
    cases = []
    for row, cells in matrix.items():
        principal, _, purpose = row.partition("/")
        unknown = set(cells) - set(requests) - {"*"}
        if unknown or not purpose:
            raise ValueError(f"matrix row {row}: unknown requests {sorted(unknown)}")
        for name, request in requests.items():
            expect = str(cells.get(name, cells.get("*")))
            _check_cell(f"{row}:{name}", request, expect)
            collections = request.get("collections")
            cases.append(
                Case(
                    principal=principal,
                    purpose=purpose,
                    request=name,
                    kind=request.get("kind", "sql"),
                    text=request.get("sql") or request["text"],
                    column=request.get("column"),
                    collections=None if collections is None else tuple(collections),
                    history=tuple(request.get("history", ())),
                    expect=expect,
                )
            )
    return cases


def _check_cell(cell: str, request: dict[str, Any], expect: str) -> None:
    kind = request.get("kind", "sql")
    if kind not in KINDS:
        raise ValueError(f"matrix cell {cell}: unknown request kind {kind!r}")
    if expect not in OUTCOMES and not expect.lstrip("-").isdigit():
        raise ValueError(f"matrix cell {cell}: unknown outcome {expect!r}")
    if expect in ("masked", "clear") and not request.get("column"):
        raise ValueError(f"matrix cell {cell}: {expect} needs the request's column")
    if kind != "sql" and expect not in ("deny", "allow", "withheld"):
        raise ValueError(f"matrix cell {cell}: a {kind} cell is deny, allow or withheld")


def observe(gateway: Gateway, case: Case, model: ChatModel | None = None) -> str:
    """Run one case; returns ``"ok"`` or what went wrong (never row values)."""
    principal = gateway.principals.find(case.principal)
    if principal is None:
        return "unknown principal"
    try:
        ctx = RequestContext.create(principal, purpose=case.purpose)
        if case.kind == "sql":
            return judge(case, governed_sql(gateway, ctx, sql=case.text))
        withheld = _run_document_request(gateway, ctx, case, model)
    except AccessDenied:
        return "ok" if case.expect == "deny" else "denied"
    except HqgError as exc:
        if refused_as_missing(exc):  # an object the caller may not see answers as missing
            return "ok" if case.expect == "deny" else "denied"
        return f"error {exc.code}"
    if case.expect == "deny":
        return "allowed"
    if (case.expect == "withheld") != (withheld > 0):
        return "withheld collections differ from expected"
    return "ok"


def _run_document_request(
    gateway: Gateway, ctx: RequestContext, case: Case, model: ChatModel | None
) -> int:
    """Search, ask or chat for ``case``; returns how many collections policy withheld."""
    if case.kind == "search":
        found = governed_search_request(
            gateway, ctx, query=case.text, collections=case.collections, mode=SearchMode.HYBRID, k=5
        )
        return found.withheld_collections
    messages = turn_messages(case.history, case.text)
    if case.kind == "chat":
        messages = [Message(role="system", content=CHAT_SYSTEM), *messages]
    if case.kind in PATH_KINDS:
        messages = path_messages(case.kind, case.text, system=CHAT_SYSTEM)
    tools = case.kind == "chat_tools"
    answered = ask(
        gateway,
        ctx,
        messages=messages,
        collections=case.collections,
        model=EchoingToolModel() if tools else model or build_chat_model(gateway),
        action="chat" if case.kind in PATH_KINDS else case.kind,
        options=TOOL_OPTIONS if tools else DEFAULTS,
    )
    return answered.response.withheld_collections


def with_paths(cases: list[Case]) -> list[Case]:
    """``cases`` plus each chat cell again over the tool-call and the multi-turn path."""
    paths = [
        case.model_copy(update={"kind": kind, "request": f"{case.request}+{kind}"})
        for case in cases
        if case.kind == "chat"
        for kind in PATH_KINDS
    ]
    return cases + paths


def mcp_violations(gateway: Gateway, cases: list[Case], model: ChatModel) -> list[tuple[Case, str]]:
    """The MCP channel (``evals.mcp_channel``): the same cells as tool calls; the failures,
    each labelled ``mcp:``."""
    calls = [call for case in cases if (call := enforcement_call(case)) is not None]
    replies = call_all(gateway, calls, model=model)
    failures = []
    for case, reply in zip(cases, replies, strict=True):
        why = _judge_reply(case, reply)
        if why != "ok":
            failures.append((case, f"mcp: {why}"))
    return failures


def _judge_reply(case: Case, reply: McpReply) -> str:
    if reply.is_error:
        if refused(reply):
            return "ok" if case.expect == "deny" else "denied"
        return f"error {reply.error.get('code')}"
    if case.kind == "sql":
        return judge(case, SqlResponse.model_validate(reply.data))
    if case.expect == "deny":
        return "allowed"
    withheld = int(reply.data.get("withheld_collections", 0))
    if (case.expect == "withheld") != (withheld > 0):
        return "withheld collections differ from expected"
    return "ok"


def judge(case: Case, response: SqlResponse) -> str:
    if case.expect == "deny":
        return "allowed"
    if case.expect in ("masked", "clear") and case.column is not None:
        table, _, column = case.column.partition(".")
        masked = column in response.masking.get(table, {})
        return "ok" if masked == (case.expect == "masked") else f"column {case.expect} expected"
    if case.expect == "allow":
        return "ok"
    first = response.rows[0][0] if response.rows and response.rows[0] else None
    value = int(first) if isinstance(first, int | float | str) and str(first).isdigit() else None
    if case.expect == "nonzero":
        return "ok" if value else "zero rows where some were expected"
    return "ok" if value == int(case.expect) else "count differs from expected"


def measure(ctx: EvalContext, config: SuiteConfig) -> SuiteOutcome:
    cases = with_paths(load_matrix(data_file(str(config.data.get("matrix", "enforcement.yaml")))))
    if ctx.smoke:
        sql = [c for c in cases if c.kind == "sql"]
        documents = [c for c in cases if c.kind != "sql"]
        size = int(config.data.get("document_smoke_size", 40))
        cases = deterministic_sample(sql, config.smoke.size, key=lambda c: c.key)
        cases += deterministic_sample(documents, size, key=lambda c: c.key)
    gateway = ctx.gateway
    model = build_chat_model(gateway)
    failures = [(c, why) for c in cases if (why := observe(gateway, c, model)) != "ok"]
    over_mcp = [c for c in cases if enforcement_call(c) is not None]
    mcp_failures = mcp_violations(gateway, over_mcp, model)
    failures += mcp_failures
    expected = Counter("deny" if c.expect == "deny" else "allow" for c in cases)
    kinds = Counter(c.kind for c in cases)
    rows = Counter(f"{c.principal}/{c.purpose}" for c in cases)
    bad_rows = Counter(f"{c.principal}/{c.purpose}" for c, _ in failures)
    return SuiteOutcome(
        metrics=(
            Metric(name="violations", value=len(failures), n=len(cases) + len(over_mcp)),
            Metric(
                name="violation_rate",
                value=len(failures) / (len(cases) + len(over_mcp)),
                n=len(cases) + len(over_mcp),
                ci=wilson_interval(len(failures), len(cases) + len(over_mcp)),
            ),
            Metric(name="mcp_violations", value=len(mcp_failures), n=len(over_mcp)),
            Metric(name="cases", value=len(cases)),
            Metric(name="expected_denies", value=expected["deny"]),
            Metric(name="expected_allows", value=expected["allow"]),
            *(Metric(name=f"cases.{kind}", value=kinds[kind]) for kind in KINDS),
        ),
        tables=(
            Table(
                title="Violations",
                header=("principal/purpose", "kind", "request", "expected", "observed"),
                rows=tuple(
                    (f"{c.principal}/{c.purpose}", c.kind, c.request, c.expect, why)
                    for c, why in failures
                ),
            ),
        ),
        charts=(
            Chart(
                title="Cases per principal/purpose (violations in the label)",
                unit="cases",
                bars=tuple(
                    Bar(label=f"{row} ({bad_rows[row]} bad)", value=count)
                    for row, count in rows.items()
                ),
            ),
        ),
    )
