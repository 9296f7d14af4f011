"""Options shared by several commands, declared once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from gateway.context import RequestContext
    from gateway.service import Gateway

HomeOption = Annotated[
    Path,
    typer.Option(
        "--home",
        envvar="HQG_HOME",
        help="Workspace directory (warehouse, index, catalog, audit log, config).",
        show_default=True,
    ),
]
DEFAULT_HOME = Path(".hqg")
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]

KeyOption = Annotated[
    str, typer.Option("--key", envvar="HQG_API_KEY", help="API key of the principal.")
]
PurposeOption = Annotated[str | None, typer.Option(help="Purpose of use.")]
CollectionsOption = Annotated[
    list[str] | None, typer.Option("--collection", "-c", help="Collection (repeatable).")
]


@contextmanager
def acting_as(
    home: Path, key: str, purpose: str | None
) -> Iterator[tuple[Gateway, RequestContext]]:
    """A gateway on ``home`` and the request context of the key's principal, closed on exit.

    The terminal commands run the same pipelines as the HTTP API, in-process and audited.
    """
    from gateway.context import RequestContext
    from gateway.settings import load_settings
    from gateway.wiring import build_gateway

    gateway = build_gateway(load_settings(home=home))
    try:
        ctx = RequestContext.create(gateway.principals.authenticate(key), purpose=purpose)
        yield gateway, ctx
    finally:
        gateway.close()
