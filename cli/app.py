"""The ``hqg`` Typer application: command groups and the one place errors become exit codes."""

from __future__ import annotations

import sys
from importlib import import_module

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


@app.callback()
def _root() -> None:
    """Makes ``hqg`` a group even when only the invoked command is attached (Typer runs a
    lone command as the application itself)."""


#: Every command group, in ``hqg --help`` order: its module and what it attaches, a
#: ``register`` function (top-level commands) or a sub-application named after the group.
#: Modules are imported only when their group is attached: ``hqg sql --url ...`` imports the
#: ``sql`` module alone, never the server's engines the other groups need (docs/benchmarks.md).
_GROUPS: dict[str, tuple[str, str]] = {
    "catalog": ("cli.catalog", "register"),
    "demo": ("cli.demo", "register"),
    "serve": ("cli.serve", "register"),
    "mcp": ("cli.mcp", "register"),
    "sql": ("cli.sql", "register"),
    "search": ("cli.search", "register"),
    "ask": ("cli.ask", "register"),
    "usage": ("cli.usage", "register"),
    "ingest": ("cli.ingest", "app"),
    "policy": ("cli.policy", "app"),
    "audit": ("cli.audit", "app"),
    "principals": ("cli.principals", "app"),
    "keys": ("cli.keys", "app"),
    "contract": ("cli.catalog", "contract_app"),
    "eval": ("cli.eval", "app"),
}


def _register(command: str | None = None) -> None:
    """Attach the group of ``command`` only, or every group when it names none of them (no
    command, ``--help``, a typo: the help and the "no such command" error list them all)."""
    names = [command] if command in _GROUPS else list(_GROUPS)
    for name in names:
        module, attribute = _GROUPS[name]
        attached = getattr(import_module(module), attribute)
        if attribute == "register":
            attached(app)
        else:
            app.add_typer(attached, name=name)


def _invoked(args: list[str]) -> str | None:
    """The command group named on the command line: the first argument (``hqg`` itself has
    no options but ``--help``), or None."""
    return args[0] if args and not args[0].startswith("-") else None


def main() -> None:
    """Entry point: run the CLI; an ``HqgError`` prints its message and exits 2.

    Every command's logs and uncaught exceptions go through the gateway's log handler
    (``configure_logging``) before the command runs, as ``hqg serve``'s do: an exception nobody
    caught is logged as its type and frames, never its message, which may quote data."""
    from gateway.ops.logs import configure_logging, log_uncaught
    from gateway.settings import load_logging_settings

    _register(_invoked(sys.argv[1:]))
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
