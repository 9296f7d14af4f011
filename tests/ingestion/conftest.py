"""Helpers for ingestion tests: a fresh workspace and small source files written per test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from ingestion.contracts import DatasetContract, parse_contract
from ingestion.workspace import Workspace

BASE_CONTRACT = {
    "name": "people",
    "owner": "crm",
    "classification": "confidential",
    "tenant_column": "tenant_id",
    "primary_key": ["id"],
    "as_of_column": "updated_at",
    "freshness_sla": "24h",
    "columns": [
        {"name": "tenant_id", "type": "VARCHAR", "nullable": False},
        {"name": "id", "type": "INTEGER", "nullable": False},
        {"name": "name", "type": "VARCHAR", "tags": ["pii:PERSON"]},
        {"name": "score", "type": "DOUBLE"},
        {"name": "updated_at", "type": "TIMESTAMP"},
    ],
}

GOOD_CSV = """tenant_id,id,name,score,updated_at
acme,1,Ann Lee,1.5,2026-11-01 10:00:00
acme,2,Bo Chan,2.5,2026-11-02 10:00:00
globex,3,Cy Diaz,3.5,2026-11-03 10:00:00
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.create(tmp_path / "home")


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a source file under tmp_path and return its path."""

    def _write(name: str, content: str) -> Path:
        path = tmp_path / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def contract() -> DatasetContract:
    return parse_contract(BASE_CONTRACT, source="test")


def contract_with(**changes: object) -> DatasetContract:
    return parse_contract({**BASE_CONTRACT, **changes}, source="test")


def contract_yaml(tmp_path: Path, data: dict[str, object]) -> Path:
    path = tmp_path / "contract.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path
