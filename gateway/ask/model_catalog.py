"""The models a client may ask for by id: ``hqg`` (extractive), upstream models, aliases.

``GET /v1/models`` lists them and a chat request's ``model`` selects one; an unknown id is
``ModelNotFound`` (404), never a silent fallback, so a client always learns what answered:
the response names the resolved id, never the alias or the string the client sent. Models are
built on first use (a misconfigured upstream fails its own requests, not the server's start).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gateway.ask.answerers import ChatModel
from gateway.components import Lazy
from hqg.errors import ModelNotFound

#: The audit action of a model listing refused before it ran (a rate-limited ``/v1/models``):
#: listing reads no data, so only refusals are audited.
MODELS_ACTION = "models"


@dataclass(frozen=True)
class ModelEntry:
    """One listed model: its id, who serves it, and for an alias the id it stands for."""

    id: str
    owned_by: str
    alias_of: str | None = None


@dataclass(frozen=True)
class ModelCatalog:
    """Ids → lazily built chat models; ``default_id`` answers requests that name none."""

    models: Mapping[str, Lazy[ChatModel]]
    owners: Mapping[str, str]
    aliases: Mapping[str, str]
    default_id: str

    def entries(self) -> list[ModelEntry]:
        """Every id a client may send, models first, then aliases."""
        listed = [ModelEntry(id=i, owned_by=self.owners[i]) for i in self.models]
        listed += [
            ModelEntry(id=a, owned_by=self.owners[t], alias_of=t) for a, t in self.aliases.items()
        ]
        return listed

    def entry(self, requested: str) -> ModelEntry:
        for listed in self.entries():
            if listed.id == requested:
                return listed
        raise _unknown()

    def resolve(self, requested: str | None) -> tuple[str, ChatModel]:
        """The id that answers ``requested`` (an alias resolved) and its model."""
        wanted = self.default_id if requested is None else requested
        wanted = self.aliases.get(wanted, wanted)
        lazy = self.models.get(wanted)
        if lazy is None:
            raise _unknown()
        return wanted, lazy.get()

    def default(self) -> ChatModel:
        return self.resolve(None)[1]


def _unknown() -> ModelNotFound:
    """Never echoes the requested id: it is the caller's text."""
    return ModelNotFound("the model does not exist; GET /v1/models lists the available ids")
