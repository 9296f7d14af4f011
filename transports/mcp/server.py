"""The MCP server (the SDK's low-level ``Server``), the same for stdio and streamable HTTP.

Who calls is the transport's business (a bearer key over HTTP, the environment over stdio):
it hands in a ``Caller`` that turns each MCP request into the caller's ``RequestContext`` (or
raises ``AuthError``). Everything else is decided per request, never per session:

- ``tools/list`` shows a tool only when the caller's decision for the tool's use-case action
  (``catalog``, ``sql``, ``search``, ``ask``, ``policy.evaluate``) allows it;
- ``tools/call`` is admitted (rate limit, injection score of its text arguments), then runs
  the use case, which decides again (so hiding a tool is never the only defence); a refusal is
  a tool error (``isError``) with the REST API's code, message and reasons, never data;
- each call leaves exactly one audit record, filed as ``mcp.<tool>``.

The low-level ``Server`` rather than ``MCPServer``/FastMCP: tools here are listed per caller
and their schemas are the argument models', which the decorator API would derive differently.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache, partial
from typing import Any, TypeVar

import anyio
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel.server import Server
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    CallToolRequestParams,
    CallToolResult,
    ListResourcesResult,
    ListToolsResult,
    PaginatedRequestParams,
    ReadResourceRequestParams,
    ReadResourceResult,
    Tool,
    ToolAnnotations,
)
from pydantic import BaseModel, ValidationError

from gateway.ask.answerers import ChatModel
from gateway.components import Lazy
from gateway.context import RequestContext
from gateway.egress import error_guard
from gateway.service import Gateway
from gateway.tool_calls import admit, admit_tool_call, settle
from hqg import __version__
from hqg.errors import HqgError, InvalidRequest, NotFound, RequestTooLarge
from transports.mcp.render import error_result, tool_result
from transports.mcp.resources import list_resources, read_resource
from transports.mcp.tools import TOOLS, TOOLS_BY_NAME, ToolEnv, ToolSpec

#: Turns one MCP request into the caller's context; raises ``AuthError`` when it has none.
Caller = Callable[[ServerRequestContext[Any, Any]], RequestContext]
UNKNOWN_TOOL = "mcp.unknown_tool"
_T = TypeVar("_T")
INSTRUCTIONS = (
    "hqg answers from enterprise data under the caller's policy. Start with list_datasets or "
    "list_collections; query_sql runs one SELECT; search and ask read documents. Values may "
    "come back masked and rows or chunks withheld: that is policy, not missing data."
)


def build_server(gateway: Gateway, *, caller: Caller, chat_model: Lazy[ChatModel]) -> Server[Any]:
    """An MCP server over ``gateway`` for the callers ``caller`` resolves."""

    def context(ctx: ServerRequestContext[Any, Any], action: str) -> RequestContext:
        try:
            return caller(ctx).filed_as(action)
        except HqgError as exc:  # no principal: nothing to audit (as a REST 401)
            raise _protocol_error(gateway, exc) from None

    async def on_list_tools(
        ctx: ServerRequestContext[Any, Any], params: PaginatedRequestParams | None
    ) -> ListToolsResult:
        request = context(ctx, "mcp.list_tools")
        return await _in_thread(
            partial(_settled, gateway, request, partial(_list_tools, gateway, request))
        )

    async def on_call_tool(
        ctx: ServerRequestContext[Any, Any], params: CallToolRequestParams
    ) -> CallToolResult:
        env = ToolEnv(gateway=gateway, ctx=context(ctx, UNKNOWN_TOOL), chat_model=chat_model)
        return await _in_thread(partial(_call_tool, env, params.name, params.arguments or {}))

    async def on_list_resources(
        ctx: ServerRequestContext[Any, Any], params: PaginatedRequestParams | None
    ) -> ListResourcesResult:
        request = context(ctx, "mcp.list_resources")
        listed = partial(list_resources, gateway, request)
        return await _in_thread(partial(_settled, gateway, request, listed))

    async def on_read_resource(
        ctx: ServerRequestContext[Any, Any], params: ReadResourceRequestParams
    ) -> ReadResourceResult:
        request = context(ctx, "mcp.read_resource")
        read = partial(read_resource, gateway, request, str(params.uri))
        return await _in_thread(partial(_settled, gateway, request, read))

    return Server(
        "hqg",
        version=__version__,
        title="hqg governed data gateway",
        instructions=INSTRUCTIONS,
        on_list_tools=on_list_tools,
        on_call_tool=on_call_tool,
        on_list_resources=on_list_resources,
        on_read_resource=on_read_resource,
    )


async def _in_thread(function: Callable[[], _T]) -> _T:
    """Use cases block (DuckDB, models, the audit file lock): never on the event loop."""
    return await anyio.to_thread.run_sync(function)


def _settled(gateway: Gateway, ctx: RequestContext, function: Callable[[], _T]) -> _T:
    """``function()``; a refusal is audited once (``settle``) and answered as a protocol error."""
    try:
        return function()
    except Exception as exc:
        refusal = settle(gateway, ctx, exc, action=ctx.audit_action or UNKNOWN_TOOL)
        raise _protocol_error(gateway, refusal) from None


def _protocol_error(gateway: Gateway, exc: HqgError) -> MCPError:
    code = INVALID_PARAMS if exc.status < 500 else INTERNAL_ERROR
    message = error_guard(gateway).text(f"{exc.code}: {exc.message}")
    return MCPError(code, message, data={"code": exc.code, "status": exc.status})


def _list_tools(gateway: Gateway, ctx: RequestContext) -> ListToolsResult:
    admit(gateway, ctx, action=ctx.audit_action)
    allowed = {
        action: gateway.decide(ctx, action=action).allow
        for action in dict.fromkeys(tool.action for tool in TOOLS)
    }
    return ListToolsResult(tools=[_tool(spec) for spec in TOOLS if allowed[spec.action]])


@cache  # the schemas are the models' and never change: built once, not per tools/list
def _tool(spec: ToolSpec) -> Tool:
    return Tool(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        input_schema=spec.arguments.model_json_schema(),
        output_schema=spec.result.model_json_schema(mode="serialization"),
        annotations=ToolAnnotations(
            title=spec.title,
            read_only_hint=True,
            destructive_hint=False,
            idempotent_hint=True,
            open_world_hint=False,
        ),
    )


def _call_tool(env: ToolEnv, name: str, arguments: dict[str, Any]) -> CallToolResult:
    spec = TOOLS_BY_NAME.get(name)
    filed_as = f"mcp.{name}" if spec is not None else UNKNOWN_TOOL
    env = ToolEnv(gateway=env.gateway, ctx=env.ctx.filed_as(filed_as), chat_model=env.chat_model)
    try:
        if spec is None:
            raise NotFound("no such tool; tools/list shows the ones you may call")
        _check_size(env.gateway, arguments)
        args = _validated(spec.arguments, arguments)
        admit_tool_call(env.gateway, env.ctx, action=spec.action, texts=_texts(args))
        return tool_result(spec.run(env, args))
    except Exception as exc:
        action = spec.action if spec is not None else filed_as
        refusal = settle(env.gateway, env.ctx, exc, action=action)
        return error_result(env.gateway, refusal, request_id=env.ctx.request_id)


def _check_size(gateway: Gateway, arguments: dict[str, Any]) -> None:
    """The REST body limit, for every transport (stdio has no HTTP edge to enforce it)."""
    limit = gateway.settings.limits.max_body_bytes
    if len(json.dumps(arguments, ensure_ascii=False).encode()) > limit:
        raise RequestTooLarge(
            f"the tool arguments exceed {limit} bytes", limit="HQG_LIMITS__MAX_BODY_BYTES"
        )


def _validated(model: type[BaseModel], arguments: dict[str, Any]) -> BaseModel:
    """The arguments as the tool's model; an error names the fields, never their values."""
    try:
        return model.model_validate(arguments)
    except ValidationError as exc:
        fields = sorted(
            {
                ".".join(str(part) for part in err["loc"])
                if err["type"] != "extra_forbidden"
                else "<unknown field>"
                for err in exc.errors()
            }
        )
        raise InvalidRequest(f"invalid arguments: check {', '.join(fields)}") from None


def _texts(args: BaseModel) -> list[str]:
    """Every string among the arguments (lists included): what the injection guard scores."""
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    for value in args.model_dump().values():
        walk(value)
    return found
