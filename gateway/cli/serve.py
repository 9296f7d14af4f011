"""``hqg serve``: run the HTTP API on a workspace."""

from __future__ import annotations

from typing import Annotated

import typer

from gateway.cli.options import DEFAULT_HOME, HomeOption


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
    uvicorn.run(
        create_app(gateway, warm_up=True),
        host=host or settings.server.host,
        port=port or settings.server.port,
        log_config=None,  # configure_logging routes uvicorn's loggers to the JSON handler
        access_log=False,  # the gateway's access log omits query strings
        server_header=False,
    )
