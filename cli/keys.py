"""``hqg keys``: create, list, revoke and rotate API keys (the file keeps digests only).

A key is printed once, when created; a key is named afterwards by its id, the first 12 hex
digits of its digest. A running gateway picks changes up on its next request.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from cli.options import DEFAULT_HOME, HomeOption, JsonOption
from cli.principals import ONCE
from cli.text import shown
from ingestion.workspace import Workspace

app = typer.Typer(help="API keys: create, list, revoke, rotate.")

KeyId = Annotated[str, typer.Argument(help="Key id (hqg keys list), at least 8 hex digits.")]


@app.command("create")
def create_command(
    principal_id: Annotated[str, typer.Argument(help="The principal the key authenticates.")],
    home: HomeOption = DEFAULT_HOME,
    as_json: JsonOption = False,
) -> None:
    """Create another key for a principal (printed once; its other keys stay valid)."""
    from gateway.principal_store import create_key

    new = create_key(Workspace.open(home).principals_path, principal_id)
    _print_new(new.model_dump(), as_json=as_json)


@app.command("list")
def list_command(
    principal: Annotated[str | None, typer.Option(help="Only this principal's keys.")] = None,
    home: HomeOption = DEFAULT_HOME,
    as_json: JsonOption = False,
) -> None:
    """Key ids, their principals, when created and whether revoked (never the keys)."""
    from gateway.principal_store import read_file

    document = read_file(Workspace.open(home).principals_path)
    rows = [
        {
            "key_id": e.key_id,
            "principal": e.principal.id,
            "created": e.created.isoformat() if e.created else None,
            "revoked": e.revoked,
        }
        for e in document.principals
        if principal is None or e.principal.id == principal
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    console = Console(highlight=False)
    for row in rows:
        state = "revoked" if row["revoked"] else "active"
        console.print(shown(f"{row['key_id']} {row['principal']} {row['created'] or '-'} {state}"))


@app.command("revoke")
def revoke_command(key_id: KeyId, home: HomeOption = DEFAULT_HOME) -> None:
    """Revoke a key: a running gateway refuses it from its next request."""
    from gateway.principal_store import revoke_key

    entry = revoke_key(Workspace.open(home).principals_path, key_id)
    typer.echo(shown(f"revoked key {entry.key_id} of {entry.principal.id}"))


@app.command("rotate")
def rotate_command(
    key_id: KeyId, home: HomeOption = DEFAULT_HOME, as_json: JsonOption = False
) -> None:
    """Revoke a key and create its successor for the same principal (printed once)."""
    from gateway.principal_store import rotate_key

    new = rotate_key(Workspace.open(home).principals_path, key_id)
    _print_new(new.model_dump(), as_json=as_json)


def _print_new(new: dict[str, str], *, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(new))
        return
    typer.echo(shown(f"new key {new['key_id']} for {new['principal']}:"))
    typer.echo(new["key"])
    typer.echo(ONCE, err=True)
