"""Small units of the ingestion side: sources, drift rules, inference, catalog records."""

from __future__ import annotations

from pathlib import Path

import pytest

from hqg.errors import ConfigError, IngestError, NotFound
from ingestion.catalog import Catalog
from ingestion.drift import compare_columns, type_family
from ingestion.inference import contract_type
from ingestion.sources import SourceFile, SourceFormat
from ingestion.workspace import Workspace
from tests.ingestion.conftest import contract_with


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.csv", "csv"),
        ("a.TSV", "csv"),
        ("a.parquet", "parquet"),
        ("a.ndjson", "json"),
        ("a.jsonl", "json"),
        ("a.json", "json"),
    ],
)
def test_format_is_chosen_by_extension(tmp_path: Path, name: str, fmt: str) -> None:
    path = tmp_path / name
    path.write_text("x", encoding="utf-8")
    assert SourceFile.open(path).format == SourceFormat(fmt)


def test_scan_sql_quotes_the_path(tmp_path: Path) -> None:
    path = tmp_path / "it's.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    assert "it''s.csv" in SourceFile.open(path).scan_sql(all_varchar=True)


def test_content_hash_depends_on_bytes_only(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("x\n1\n", encoding="utf-8")
    b.write_text("x\n1\n", encoding="utf-8")
    assert SourceFile.open(a).content_hash() == SourceFile.open(b).content_hash()


def test_a_directory_is_not_a_source(tmp_path: Path) -> None:
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(IngestError, match="not a regular file"):
        SourceFile.open(tmp_path / "d.csv")


def test_single_bad_values_are_rows_but_a_column_of_them_is_drift() -> None:
    contract = contract_with()
    columns = {c.name: "VARCHAR" for c in contract.columns}
    assert not compare_columns(contract, columns, {"score": 0.2}).retyped
    (retyped,) = compare_columns(contract, columns, {"score": 0.9}).retyped
    assert retyped.column == "score"


def test_rename_is_only_suggested_for_one_swap_of_the_same_family() -> None:
    contract = contract_with()
    columns = {c.name: "VARCHAR" for c in contract.columns if c.name != "name"}
    assert compare_columns(contract, {**columns, "full_name": "VARCHAR"}, {}).renamed == (
        ("name", "full_name"),
    )
    assert not compare_columns(contract, {**columns, "a": "VARCHAR", "b": "VARCHAR"}, {}).renamed


def test_type_families_and_inferred_types() -> None:
    assert type_family("DECIMAL(10,2)") == type_family("BIGINT") == "number"
    assert type_family("TIMESTAMP WITH TIME ZONE") == "time"
    assert contract_type("TIMESTAMP WITH TIME ZONE") == "TIMESTAMPTZ"
    assert contract_type("DECIMAL(18, 3)") == "DECIMAL(18,3)"
    assert contract_type("STRUCT(a INTEGER)") == "VARCHAR"


def test_catalog_reports_unknown_datasets_and_starts_at_generation_zero(tmp_path: Path) -> None:
    workspace = Workspace.create(tmp_path / "home")
    catalog = Catalog(workspace.catalog_path)
    assert catalog.generation() == 0
    assert catalog.find("nope") is None
    with pytest.raises(NotFound):
        catalog.dataset("nope")


def test_opening_a_directory_that_is_not_a_workspace_fails(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not an hqg workspace"):
        Workspace.open(tmp_path)
