"""Who is asking: principals, their API keys, and how a request's purpose is chosen.

Keys are stored only as SHA-256 digests in ``principals.yaml``; a presented key is hashed and
compared in constant time. Demo keys exist only in a workspace built by ``hqg demo``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ingestion.contracts import Classification


class Principal(BaseModel):
    """A human or service on whose behalf a request runs; what policy decides for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")
    tenant: str | None = None  # None: not bound to one tenant (a steward)
    roles: tuple[str, ...] = ()
    clearance: Classification = Classification.INTERNAL
    purposes: tuple[str, ...] = ()
    default_purpose: str | None = None
    kind: str = Field(default="human", pattern=r"^(human|service)$")

    @model_validator(mode="after")
    def _default_purpose_is_allowed(self) -> Principal:
        if self.default_purpose is not None and self.default_purpose not in self.purposes:
            raise ValueError(f"default_purpose {self.default_purpose!r} is not in purposes")
        return self

    def policy_input(self) -> dict[str, object]:
        """The principal as policy sees it (no key material)."""
        return self.model_dump(mode="json")
