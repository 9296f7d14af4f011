"""The security team's web console at ``/console``, served by the gateway's own app.

A transport like REST: it renders pages from the existing use cases (access review, explain,
simulate, the Rego test runner, the audit reader, the usage ledger, the catalog) and decides
nothing itself. See ``docs/console.md``.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gateway.service import Gateway
from transports.console.routes import audit, auth, observe, playground, review
from transports.console.web import (
    HERE,
    PREFIX,
    console_state,
    install_error_pages,
    install_security_headers,
)

MODULES = (auth, review, playground, audit, observe)


def install_console(app: FastAPI, gateway: Gateway) -> None:
    """Mount the console on ``app`` (after the app's error handlers are installed)."""
    if not gateway.settings.console.enabled:
        return
    app.state.console = console_state(gateway)
    for module in MODULES:
        app.include_router(module.router, include_in_schema=False)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="console-static")
    install_error_pages(app)
    install_security_headers(app)
