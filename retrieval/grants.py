"""What a policy decision grants on one table, in the form the SQL rewrite enforces.

The gateway parses Rego output into these; retrieval enforces them. A table absent from the
grants is not readable at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hqg.predicates import Predicate
from privacy.operators import MaskKind


class TableGrant(BaseModel):
    """Rows visible (``row_filter``; None means all) and columns masked on one table."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    row_filter: Predicate | None = None
    masks: Mapping[str, MaskKind] = Field(default_factory=lambda: MappingProxyType({}))

    @field_validator("masks")
    @classmethod
    def _lower_and_freeze(cls, value: Mapping[str, MaskKind]) -> Mapping[str, MaskKind]:
        return MappingProxyType({name.lower(): kind for name, kind in value.items()})

    def mask_for(self, column: str) -> MaskKind | None:
        return self.masks.get(column.lower())
