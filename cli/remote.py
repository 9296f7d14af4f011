"""The CLI's client mode: data commands sent to a running gateway instead of run in-process.

With ``--url`` (or ``HQG_URL``) ``hqg sql``, ``search``, ``ask`` and ``catalog`` call that
gateway's HTTP API with the given key, through the light client (``hqg_client``): no model,
DuckDB or index is loaded, so a call costs the round trip (docs/benchmarks.md). The request
is governed, audited and limited by the server exactly as any client's: its rate limits and
quotas apply. Without ``--url`` the command opens the workspace itself, beside any running
server (each process reads its own copy of the vector index). The server's error is shown
with its code; the exit status is 2 as for any ``HqgError``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import BaseModel

from cli.options import acting_as
from hqg.errors import HqgError, Unavailable

if TYPE_CHECKING:
    from gateway.context import RequestContext
    from gateway.service import Gateway

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        envvar="HQG_URL",
        help="A running gateway (e.g. http://127.0.0.1:8080): send the request there instead "
        "of opening the workspace in this process.",
    ),
]
Model = TypeVar("Model", bound=BaseModel)
TIMEOUT_S = 120.0


class RemoteError(HqgError):
    """The gateway refused or failed the request; ``code`` and ``status`` are the server's."""

    def __init__(self, message: str, *, code: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def call(
    url: str,
    key: str,
    method: str,
    path: str,
    *,
    purpose: str | None = None,
    body: dict[str, Any] | None = None,
) -> Any:
    """The JSON body of a successful call through the light client (``hqg_client``, the same
    code a user's script runs); ``RemoteError`` for an error answer, ``Unavailable`` when the
    gateway cannot be reached or does not answer JSON."""
    from hqg_client import Client
    from hqg_client import HqgError as ClientError

    with Client(url, key, purpose=purpose, timeout=TIMEOUT_S) as client:
        try:
            return client.call(method, path, body)
        except ClientError as exc:
            if exc.code in ("unreachable", "not_json"):
                raise Unavailable(exc.message) from exc
            raise RemoteError(exc.message, code=exc.code, status=exc.status) from exc


def call_model(model: type[Model], url: str, key: str, path: str, **kwargs: Any) -> Model:
    """A POST whose answer is parsed as ``model`` (the same type the in-process call returns)."""
    return model.model_validate(call(url, key, "POST", path, **kwargs))


def governed(
    model: type[Model],
    local: Callable[[Gateway, RequestContext], Model],
    *,
    url: str | None,
    key: str,
    purpose: str | None,
    home: Path,
    path: str,
    body: dict[str, Any],
) -> Model:
    """A data command's response: from the gateway at ``url`` (``path`` with ``body``), or
    computed in this process by ``local`` as the key's principal; the same type either way."""
    if url:
        return call_model(model, url, key, path, purpose=purpose, body=body)
    with acting_as(home, key, purpose) as (gateway, ctx):
        return local(gateway, ctx)
