"""The ``mcp`` section: the MCP endpoint at ``/mcp``.

The MCP transport specification requires a server to validate ``Origin`` on every request, so
that a web page whose host name an attacker re-points at the gateway (DNS rebinding) cannot
drive it from a browser. MCP clients that are programs send no ``Origin`` and are served; a
request that carries one is served only when the origin is listed here. The list is empty by
default: no browser page may call ``/mcp`` until an operator names it. The request's own
``Host`` is never trusted for this, since under DNS rebinding it is the attacker's name too.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator


class McpSettings(BaseModel):
    """``HQG_MCP__*``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: exact origins (``scheme://host[:port]``) whose browser pages may call ``/mcp``
    allowed_origins: tuple[str, ...] = ()

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        for origin in origins:
            scheme, sep, rest = origin.partition("://")
            if scheme not in ("http", "https") or not sep or not rest or "/" in rest:
                raise ValueError(
                    f"allowed_origins: {origin!r} is not an origin (scheme://host[:port])"
                )
        return tuple(origin.lower() for origin in origins)
