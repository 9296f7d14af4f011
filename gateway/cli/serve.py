"""``hqg serve``: run the HTTP API on a workspace; SIGTERM/SIGINT end it gracefully.

Graceful means bounded: on the first signal the server stops accepting connections (uvicorn),
every running SQL query is interrupted at once (its request answers 503 and is audited), and
whatever is still running after ``GRACE_SECONDS`` is cancelled. Without the interrupt, a query
busy in DuckDB held the process until ``kill -9``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from gateway.cli.options import DEFAULT_HOME, HomeOption

if TYPE_CHECKING:
    import uvicorn

GRACE_SECONDS = 10


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    home: HomeOption = DEFAULT_HOME,
    host: Annotated[str | None, typer.Option(help="Interface (default from settings).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
) -> None:
    """Serve the gateway's HTTP API on HOME; ingests may run beside it.

    Models load and engines warm up as it starts; /readyz says ready once they have."""
    import uvicorn

    from gateway.api import create_app
    from gateway.ops.logs import configure_logging
    from gateway.service import build_gateway
    from gateway.settings import load_settings

    settings = load_settings(home=home)
    configure_logging(settings.logging)
    gateway = build_gateway(settings)
    config = uvicorn.Config(
        create_app(gateway, warm_up=True),
        host=host or settings.server.host,
        port=port or settings.server.port,
        log_config=None,  # configure_logging routes uvicorn's loggers to the JSON handler
        access_log=False,  # the gateway's access log omits query strings
        server_header=False,
        timeout_graceful_shutdown=GRACE_SECONDS,
    )
    graceful_server(config, on_exit=gateway.queries.interrupt_all).run()


def graceful_server(config: uvicorn.Config, *, on_exit: Callable[[], object]) -> uvicorn.Server:
    """A uvicorn server that calls ``on_exit`` (off the signal handler's frame, which must not
    take locks the interrupted code may hold) when it is told to stop."""
    import uvicorn

    class GracefulServer(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            threading.Thread(target=on_exit, name="hqg-shutdown", daemon=True).start()
            super().handle_exit(sig, frame)

    return GracefulServer(config)
