"""The HTTP API: a FastAPI app factory over a ``Gateway`` (no import-time globals)."""

from transports.rest.app import create_app

__all__ = ["create_app"]
