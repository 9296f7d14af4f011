"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import fastapi.routing
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Route

from gateway.ask.answerers import ChatModel
from gateway.components import Lazy
from gateway.readiness import CachedChecks, WarmUp, release_heap
from gateway.service import Gateway
from gateway.wiring import build_model_catalog
from hqg import __version__
from transports.console import install_console
from transports.mcp.http import (
    METADATA_PATH,
    McpHttp,
    protected_resource_metadata,
)
from transports.mcp.http import PATH as MCP_PATH
from transports.rest.edge import EdgeGuard
from transports.rest.errors import install_error_handlers
from transports.rest.http import AccessLog
from transports.rest.routes import (
    ask,
    audit,
    catalog,
    chat,
    health,
    metrics,
    models,
    policy,
    search,
    sql,
)
from transports.rest.workers import install_workers


def create_app(
    gateway: Gateway, *, warm_up: bool = False, chat_model: ChatModel | None = None
) -> FastAPI:
    """An app serving ``gateway``; the gateway's engines are closed when the app stops.

    ``warm_up`` (what ``hqg serve`` asks for) loads the models and touches every engine in the
    background as the app starts; ``/readyz`` answers 503 until that has finished.
    ``chat_model`` answers ``/v1/ask`` and chat requests that name it (or no model);
    by default the settings' models answer, each built on first use
    (``gateway.wiring.build_model_catalog``).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        workers = install_workers(asyncio.get_running_loop())
        if warm_up:
            steps = (("answerer", app.state.models.default), ("routes", lambda: match_routes(app)))
            app.state.warm_up = WarmUp(gateway, extra=steps)
            app.state.warm_up.start(workers)
        yield
        workers.shutdown(wait=False)  # like anyio's threads: a stuck call never holds the exit
        gateway.close()
        if warm_up:
            release_heap()

    app = FastAPI(
        title="hqg",
        version=__version__,
        description="LLM-safe hybrid query gateway: governed SQL over enterprise data.",
        lifespan=lifespan,
    )
    app.state.gateway = gateway
    app.state.readiness = CachedChecks(gateway.settings.limits.readyz_cache_ms / 1000)
    app.state.models = build_model_catalog(gateway, default=chat_model)
    install_error_handlers(app)
    app.add_middleware(EdgeGuard, limits=gateway.settings.limits)
    app.add_middleware(AccessLog, metrics=gateway.ops.metrics)  # outside: ids every refusal
    mcp = Route(
        MCP_PATH, McpHttp(gateway, chat_model=Lazy(app.state.models.default)), methods=["POST"]
    )
    app.router.routes.append(mcp)  # MCP over streamable HTTP
    for path in (METADATA_PATH, f"{METADATA_PATH}{MCP_PATH}"):
        app.add_route(path, protected_resource_metadata, methods=["GET"], include_in_schema=False)
    modules = (health, sql, search, ask, chat, models, catalog, policy, audit, metrics)
    for module in modules:
        app.include_router(module.router)
    # the routes themselves, for matching a request refused before routing (FastAPI wraps
    # included routers in objects that do not expose the matched route)
    app.state.api_routes = (
        *(route for module in modules for route in module.router.routes),
        mcp,
    )
    install_console(app, gateway)
    return app


def match_routes(app: FastAPI) -> None:
    """Match one request per API route and method against the app's router, so FastAPI
    builds each route's state (dependency analysis, request and response validators) now:
    it does so lazily on a router's first match, ~20 ms of the first ``/v1/sql`` request.
    Also fills FastAPI's cache of each endpoint's source location (read and tokenized from
    the source file on an endpoint's first call, ~3 ms), where this FastAPI has one. Only
    matching runs, on throwaway scopes: no endpoint is called, nothing served or audited."""
    locate = getattr(fastapi.routing, "_extract_endpoint_context", None)
    for route in app.state.api_routes:
        if locate is not None and isinstance(route, APIRoute):
            locate(route.dependant.call)
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            scope = {
                "type": "http",
                "method": method,
                "path": route.path,
                "root_path": "",
                "query_string": b"",
                "headers": [],
            }
            for candidate in app.router.routes:
                candidate.matches(scope)
