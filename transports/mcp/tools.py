"""The MCP tools: each one a use case of ``gateway/``, called exactly as its REST route calls it.

A tool is its arguments (a pydantic model, whose JSON schema and field descriptions are what
an LLM reads), the policy action that decides whether the caller sees it in ``tools/list``
(the use case's own action: ``catalog``, ``sql``, ``search``, ``ask``, ``policy.evaluate``),
and a function over the gateway that returns the use case's released response. Nothing here
decides, masks or audits: the use cases do (``gateway/access.py``, ``gateway/egress.py``,
``AuditTrail``); the transport files each call under ``mcp.<tool>``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gateway.admin.explain import EvaluateResponse, evaluate_as
from gateway.ask.answerers import ChatModel
from gateway.ask.models import AskResponse
from gateway.ask.pipeline import ask
from gateway.ask.prompt_guard import Message
from gateway.ask.retrieve import ASK_ACTION
from gateway.catalog_view import catalog_view
from gateway.collections_view import CollectionsResponse, collections_view
from gateway.components import Lazy
from gateway.context import RequestContext
from gateway.responses import CatalogResponse, SearchResponse, SqlResponse
from gateway.search_pipeline import SEARCH_ACTION, governed_search_request, search_k
from gateway.service import Gateway
from gateway.sql_pipeline import SQL_ACTION, governed_sql
from gateway.visibility import CATALOG_ACTION
from ingestion.vectors.base import SearchMode

EXPLAIN_ACTION = "policy.evaluate"
_PURPOSE = Field(
    default=None,
    max_length=32,
    description="Purpose of use (e.g. 'analytics', 'support'); default: the caller's own.",
)
_COLLECTIONS = Field(
    default=None,
    max_length=32,
    description="Collections to read (see list_collections); default: every one you may read.",
)


class _Arguments(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    purpose: str | None = _PURPOSE


class NoArguments(_Arguments):
    pass


class DescribeDataset(_Arguments):
    name: str = Field(
        min_length=1, max_length=128, description="Dataset name, as list_datasets shows it."
    )


class QuerySql(_Arguments):
    sql: str = Field(
        min_length=1,
        max_length=1_000_000,
        description="One read-only SELECT in DuckDB SQL over the datasets list_datasets shows. "
        "Document collections join through the table function "
        "vector_search('<collection>', '<query text>', <k>).",
    )
    limit: int | None = Field(
        default=None, ge=1, le=1_000_000, description="Row cap (policy may lower it)."
    )


class Search(_Arguments):
    query: str = Field(min_length=1, pattern=r"\S", description="What to look for.")
    collections: list[str] | None = _COLLECTIONS
    k: int | None = Field(default=None, ge=1, description="Number of results.")
    mode: SearchMode = Field(
        default=SearchMode.HYBRID,
        description="dense (meaning), lexical (BM25 keywords) or hybrid (both, fused).",
    )


class Ask(_Arguments):
    question: str = Field(min_length=1, pattern=r"\S", description="The question to answer.")
    collections: list[str] | None = _COLLECTIONS


class ExplainDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    principal: str = Field(
        min_length=1, max_length=64, description="Id of the principal to explain the SQL for."
    )
    sql: str = Field(min_length=1, max_length=100_000, description="The SELECT to explain.")
    purpose: str | None = Field(
        default=None, max_length=32, description="That principal's purpose; default: its own."
    )


@dataclass(frozen=True)
class ToolEnv:
    """What a tool call runs with: the gateway, the caller's context, the answering model."""

    gateway: Gateway
    ctx: RequestContext
    chat_model: Lazy[ChatModel]

    def as_purpose(self, purpose: str | None) -> RequestContext:
        return self.ctx if purpose is None else self.ctx.with_purpose(purpose)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str
    description: str
    arguments: type[BaseModel]
    result: type[BaseModel]  # what ``run`` returns: the tool's structured content and schema
    action: str  # the policy action that lists the tool, and the use case's audited action
    run: Callable[[ToolEnv, Any], BaseModel]


def _list_datasets(env: ToolEnv, args: NoArguments) -> BaseModel:
    return catalog_view(env.gateway, env.as_purpose(args.purpose))


def _describe_dataset(env: ToolEnv, args: DescribeDataset) -> BaseModel:
    return catalog_view(env.gateway, env.as_purpose(args.purpose), only=args.name)


def _list_collections(env: ToolEnv, args: NoArguments) -> BaseModel:
    return collections_view(env.gateway, env.as_purpose(args.purpose))


def _query_sql(env: ToolEnv, args: QuerySql) -> BaseModel:
    return governed_sql(env.gateway, env.as_purpose(args.purpose), sql=args.sql, limit=args.limit)


def _search(env: ToolEnv, args: Search) -> BaseModel:
    return governed_search_request(
        env.gateway,
        env.as_purpose(args.purpose),
        query=args.query,
        collections=args.collections,
        mode=args.mode,
        k=search_k(env.gateway, args.k),
    )


def _ask(env: ToolEnv, args: Ask) -> BaseModel:
    messages = [Message(role="user", content=args.question)]
    model = env.chat_model.get()
    ctx = env.as_purpose(args.purpose)
    return ask(
        env.gateway, ctx, messages=messages, collections=args.collections, model=model
    ).response


def _explain(env: ToolEnv, args: ExplainDecision) -> BaseModel:
    return evaluate_as(
        env.gateway, env.ctx, principal_id=args.principal, purpose=args.purpose, sql=args.sql
    )


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "list_datasets",
        "List datasets",
        "The datasets you may query with query_sql: columns, types, PII tags, the mask each "
        "column gets for you, whether rows are filtered, and freshness. Datasets another of "
        "your purposes would list are counted ('withheld'), never named.",
        NoArguments,
        CatalogResponse,
        CATALOG_ACTION,
        _list_datasets,
    ),
    ToolSpec(
        "describe_dataset",
        "Describe a dataset",
        "One dataset's schema as you see it: columns, types, tags, masks, freshness.",
        DescribeDataset,
        CatalogResponse,
        CATALOG_ACTION,
        _describe_dataset,
    ),
    ToolSpec(
        "list_collections",
        "List document collections",
        "The document collections you may search or ask about, with the PII entity types "
        "masked for you.",
        NoArguments,
        CollectionsResponse,
        CATALOG_ACTION,
        _list_collections,
    ),
    ToolSpec(
        "query_sql",
        "Run governed SQL",
        "Run one read-only SELECT under your policy: rows are filtered and columns masked for "
        "you. Returns the rows (structured) and a text table, with provenance (SQL as "
        "executed, dataset versions, decision id), freshness, and 'withheld': rows policy "
        "removed, counted. vector_search('<collection>', '<text>', k) joins document chunks.",
        QuerySql,
        SqlResponse,
        SQL_ACTION,
        _query_sql,
    ),
    ToolSpec(
        "search",
        "Search documents",
        "Search document collections (dense, lexical or hybrid). Chunks are masked for you and "
        "carry provenance (document, chunk, source, content hash), freshness and an injection "
        "risk score; 'withheld' counts chunks policy removed.",
        Search,
        SearchResponse,
        SEARCH_ACTION,
        _search,
    ),
    ToolSpec(
        "ask",
        "Ask a question",
        "A short answer from the documents you may read, every sentence cited, or an "
        "abstention when the evidence does not support one.",
        Ask,
        AskResponse,
        ASK_ACTION,
        _ask,
    ),
    ToolSpec(
        "explain_decision",
        "Explain a policy decision",
        "Security role: the decision another principal would get for a SELECT, the SQL as it "
        "would execute, and row counts visible/withheld. Nothing is executed.",
        ExplainDecision,
        EvaluateResponse,
        EXPLAIN_ACTION,
        _explain,
    ),
)
TOOLS_BY_NAME = {tool.name: tool for tool in TOOLS}
