"""Dataset contracts: what a table promises its readers, and what policy keys on.

A contract is YAML written by the data owner (or inferred on first ingest and recorded in the
catalog). Policy reads classification and column tags from it; ingestion checks every batch
against it. Validation errors name the file, the field and the problem.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)

from hqg.errors import ContractError

_IDENT = r"^[A-Za-z_][A-Za-z0-9_]{0,62}$"
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DECIMAL = re.compile(r"^DECIMAL\(\s*(\d+)\s*,\s*(\d+)\s*\)$")
SCALAR_TYPES = frozenset(
    {"BOOLEAN", "INTEGER", "BIGINT", "DOUBLE", "VARCHAR", "DATE", "TIMESTAMP", "TIMESTAMPTZ"}
)
TAG_PATTERN = re.compile(r"^(pii:[A-Z][A-Z0-9_]*|protected|free_text)$")


class Classification(StrEnum):
    """Sensitivity levels, ordered: a principal's clearance must reach the dataset's."""

    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    RESTRICTED = "restricted"

    @property
    def rank(self) -> int:
        return list(Classification).index(self)


def parse_duration(text: str) -> timedelta:
    """Parse ``30m``, ``24h``, ``7d`` style durations (one number, one unit)."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"expected a duration like '30m', '24h' or '7d', got {text!r}")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def format_duration(value: timedelta) -> str:
    """Render a duration in the largest unit that divides it exactly."""
    seconds = int(value.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def normalize_type(raw: str) -> str:
    """Upper-case and validate a column type: the scalar set or ``DECIMAL(p,s)``."""
    text = " ".join(raw.strip().upper().split())
    decimal = _DECIMAL.match(text)
    if decimal:
        precision, scale = int(decimal.group(1)), int(decimal.group(2))
        if not 1 <= precision <= 38 or scale > precision:
            raise ValueError(f"DECIMAL({precision},{scale}) is out of range")
        return f"DECIMAL({precision},{scale})"
    if text not in SCALAR_TYPES:
        allowed = ", ".join(sorted(SCALAR_TYPES))
        raise ValueError(f"unsupported type {raw!r}; use one of {allowed} or DECIMAL(p,s)")
    return text


class Column(BaseModel):
    """One column: its type, whether it may be null, and the tags policy keys on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(pattern=_IDENT)]
    type: str
    nullable: bool = True
    tags: tuple[str, ...] = ()
    description: str = ""

    @field_validator("type")
    @classmethod
    def _type_is_supported(cls, value: str) -> str:
        return normalize_type(value)

    @field_validator("tags")
    @classmethod
    def _tags_are_known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for tag in value:
            if not TAG_PATTERN.match(tag):
                raise ValueError(
                    f"unknown tag {tag!r}; use pii:<PRESIDIO_ENTITY>, protected or free_text"
                )
        return tuple(dict.fromkeys(value))

    @property
    def pii_entity(self) -> str | None:
        """The Presidio entity type this column holds, if it is tagged as PII."""
        for tag in self.tags:
            if tag.startswith("pii:"):
                return tag.removeprefix("pii:")
        return None

    @property
    def is_free_text(self) -> bool:
        return "free_text" in self.tags

    @property
    def is_protected(self) -> bool:
        return "protected" in self.tags


class DatasetContract(BaseModel):
    """The contract of one dataset (table)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(pattern=_IDENT)]
    owner: str
    description: str = ""
    classification: Classification = Classification.INTERNAL
    tenant_column: str | None = None
    primary_key: tuple[str, ...] = ()
    as_of_column: str | None = None
    freshness_sla: timedelta = timedelta(days=1)
    allow_evolution: bool = False
    columns: tuple[Column, ...] = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _lower_name(cls, value: str) -> str:
        return value.lower()

    @field_validator("freshness_sla", mode="before")
    @classmethod
    def _parse_sla(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value

    @field_serializer("freshness_sla")
    def _render_sla(self, value: timedelta) -> str:
        return format_duration(value)

    @model_validator(mode="after")
    def _references_exist(self) -> DatasetContract:
        names = [column.name for column in self.columns]
        lowered = [name.lower() for name in names]
        duplicates = sorted({n for n in lowered if lowered.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate column names: {', '.join(duplicates)}")
        for field_name, refs in (
            ("tenant_column", (self.tenant_column,) if self.tenant_column else ()),
            ("as_of_column", (self.as_of_column,) if self.as_of_column else ()),
            ("primary_key", self.primary_key),
        ):
            missing = [ref for ref in refs if ref not in names]
            if missing:
                raise ValueError(f"{field_name} names unknown column(s): {', '.join(missing)}")
        return self

    def column(self, name: str) -> Column | None:
        """Look a column up by name, case-insensitively (as SQL does)."""
        lowered = name.lower()
        return next((c for c in self.columns if c.name.lower() == lowered), None)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def to_yaml(self) -> str:
        """Render the contract as the YAML a data owner edits."""
        data = self.model_dump(mode="json")
        data["columns"] = [
            {k: v for k, v in column.items() if v not in ((), [], "")} for column in data["columns"]
        ]
        return yaml.safe_dump(data, sort_keys=False)


def parse_contract(data: Any, *, source: str) -> DatasetContract:
    """Validate a parsed YAML/JSON document; errors name ``source``, the field and the problem."""
    if not isinstance(data, dict):
        raise ContractError(f"{source}: a contract must be a mapping, got {type(data).__name__}")
    try:
        return DatasetContract.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(contract)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ContractError(f"{source}: {problems}") from exc


def load_contract(path: Path) -> DatasetContract:
    """Read and validate a contract file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ContractError(f"{path}: cannot read contract ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ContractError(f"{path}: not valid YAML ({exc.__class__.__name__})") from exc
    return parse_contract(data, source=str(path))
