"""The ``hqg`` Typer application: command groups and the one place errors become exit codes."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from cli.text import shown
from hqg.errors import HqgError

app = typer.Typer(
    name="hqg",
    help="hqg: an LLM-safe hybrid query gateway. Governed SQL and search over enterprise data, "
    "with policy (Rego), PII masking, provenance and a tamper-evident audit log.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    """Attach every command group (imported here so ``--help`` stays cheap to build)."""
    from cli import (
        ask,
        audit,
        catalog,
        demo,
        ingest,
        keys,
        mcp,
        policy,
        principals,
        search,
        serve,
        sql,
        usage,
    )
    from cli import eval as eval_cli

    for module in (catalog, demo, serve, mcp, sql, search, ask, usage):
        module.register(app)
    app.add_typer(ingest.app, name="ingest")
    app.add_typer(policy.app, name="policy")
    app.add_typer(audit.app, name="audit")
    app.add_typer(principals.app, name="principals")
    app.add_typer(keys.app, name="keys")
    app.add_typer(catalog.contract_app, name="contract")
    app.add_typer(eval_cli.app, name="eval")


def main() -> None:
    """Entry point: run the CLI; an ``HqgError`` prints its message and exits 2.

    Every command's logs and uncaught exceptions go through the gateway's log handler
    (``configure_logging``) before the command runs, as ``hqg serve``'s do: an exception nobody
    caught is logged as its type and frames, never its message, which may quote data."""
    from gateway.ops.logs import configure_logging, log_uncaught
    from gateway.settings import load_logging_settings

    _register()
    try:
        configure_logging(load_logging_settings())
        app()
    except HqgError as exc:
        message = f"[bold red]error[/] ({shown(exc.code)}): {shown(exc.message)}"
        Console(stderr=True).print(message, markup=True)
        sys.exit(2)
    except Exception as exc:  # what no one caught: logged without its message, as serve does
        log_uncaught(type(exc), exc, exc.__traceback__)
        sys.exit(1)
