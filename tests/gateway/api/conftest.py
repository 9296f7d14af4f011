"""API tests use the gateway fixtures of ``tests/gateway/conftest.py``."""

from tests.gateway.conftest import auth

__all__ = ["auth"]
