"""``hqg principals``: add, list and disable the principals API keys authenticate as.

Changes go through ``gateway.principal_store`` (digests only, locked, atomic); a running
gateway picks them up on its next request. A new principal's first key is printed once.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from cli.options import DEFAULT_HOME, HomeOption, JsonOption
from cli.text import shown
from ingestion.workspace import Workspace

app = typer.Typer(help="Principals: who API keys authenticate as.")

ONCE = "store it now: it is shown only once and cannot be recovered"


@app.command("add")
def add_command(  # one option per principal field
    principal_id: Annotated[str, typer.Argument(help="The principal's id.")],
    tenant: Annotated[str | None, typer.Option(help="Tenant (none: not bound).")] = None,
    role: Annotated[list[str] | None, typer.Option(help="A role (repeat).")] = None,
    clearance: Annotated[str, typer.Option(help="public, internal, …")] = "internal",
    purpose: Annotated[list[str] | None, typer.Option(help="A purpose (repeat).")] = None,
    default_purpose: Annotated[str | None, typer.Option(help="One of the purposes.")] = None,
    service: Annotated[bool, typer.Option(help="A service account, not a human.")] = False,
    home: HomeOption = DEFAULT_HOME,
    as_json: JsonOption = False,
) -> None:
    """Add a principal and create its first API key (printed once)."""
    from pydantic import ValidationError

    from gateway.identity import Principal
    from gateway.principal_store import add_principal

    try:
        principal = Principal(
            id=principal_id,
            tenant=tenant,
            roles=tuple(role or ()),
            clearance=clearance,
            purposes=tuple(purpose or ()),
            default_purpose=default_purpose,
            kind="service" if service else "human",
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise typer.BadParameter(problems) from exc
    new = add_principal(Workspace.create(home).principals_path, principal)  # a first step
    if as_json:
        typer.echo(json.dumps(new.model_dump()))
        return
    typer.echo(f"added principal {new.principal}; key {new.key_id}:")
    typer.echo(new.key)
    typer.echo(ONCE, err=True)


@app.command("list")
def list_command(home: HomeOption = DEFAULT_HOME, as_json: JsonOption = False) -> None:
    """Every principal, its roles and purposes, active keys, and whether it is disabled."""
    from gateway.principal_store import read_file

    document = read_file(Workspace.open(home).principals_path)
    rows = []
    for principal in document.principal_list():
        principal_id = principal.id
        entries = [e for e in document.principals if e.principal.id == principal_id]
        rows.append(
            {
                **principal.model_dump(mode="json"),
                "active_keys": sum(1 for e in entries if not e.revoked),
                "disabled": principal_id in document.disabled,
            }
        )
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    console = Console(highlight=False)
    for row in rows:
        state = " [red]disabled[/]" if row["disabled"] else ""
        console.print(
            shown(
                f"{row['id']} tenant={row['tenant'] or '-'} roles={','.join(row['roles'])} "
                f"purposes={','.join(row['purposes'])} keys={row['active_keys']}"
            )
            + state
        )


@app.command("disable")
def disable_command(
    principal_id: Annotated[str, typer.Argument(help="The principal's id.")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable it again instead.")] = False,
    home: HomeOption = DEFAULT_HOME,
) -> None:
    """Refuse every key of a principal (a running gateway stops accepting them at once)."""
    from gateway.principal_store import set_disabled

    set_disabled(Workspace.open(home).principals_path, principal_id, disabled=not enable)
    typer.echo(shown(f"{'enabled' if enable else 'disabled'} principal {principal_id}"))
