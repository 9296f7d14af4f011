from datetime import timedelta
from pathlib import Path

import pytest

from hqg.errors import ContractError
from ingestion.contracts import Classification, load_contract, parse_contract, parse_duration
from tests.ingestion.conftest import BASE_CONTRACT, contract_yaml


def test_contract_round_trips_through_yaml(tmp_path: Path) -> None:
    original = parse_contract(BASE_CONTRACT, source="t")
    path = tmp_path / "c.yaml"
    path.write_text(original.to_yaml(), encoding="utf-8")
    assert load_contract(path) == original


def test_freshness_sla_accepts_short_durations() -> None:
    assert parse_duration("24h") == timedelta(hours=24)
    assert parse_duration("7d") == timedelta(days=7)
    with pytest.raises(ValueError, match="duration"):
        parse_duration("soon")


def test_classification_is_ordered() -> None:
    ranks = [c.rank for c in Classification]
    assert ranks == sorted(ranks)
    assert Classification.RESTRICTED.rank > Classification.CONFIDENTIAL.rank


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"primary_key": ["nope"]}, "(contract)", "primary_key names unknown column"),
        ({"tenant_column": "tenant"}, "(contract)", "tenant_column names unknown column"),
        ({"classification": "secret"}, "classification", "Input should be"),
        ({"freshness_sla": "later"}, "freshness_sla", "duration"),
        ({"columns": [{"name": "x", "type": "BLOB"}]}, "columns.0.type", "unsupported type"),
        (
            {"columns": [{"name": "x", "type": "VARCHAR", "tags": ["pii"]}]},
            "columns.0.tags",
            "unknown tag",
        ),
        ({"columns": [{"name": "1x", "type": "VARCHAR"}]}, "columns.0.name", "pattern"),
        ({"colums": []}, "colums", "Extra inputs"),
    ],
)
def test_bad_contract_error_names_file_field_and_problem(
    tmp_path: Path, change: dict[str, object], field: str, problem: str
) -> None:
    data = {**BASE_CONTRACT, **change}
    if "columns" in change:
        data.pop("primary_key"), data.pop("tenant_column"), data.pop("as_of_column")
    path = contract_yaml(tmp_path, data)
    with pytest.raises(ContractError) as info:
        load_contract(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert field in message
    assert problem in message


def test_unreadable_and_invalid_yaml_are_contract_errors(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="cannot read"):
        load_contract(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(ContractError, match="not valid YAML"):
        load_contract(bad)


def test_column_tags_expose_pii_entity_and_flags() -> None:
    contract = parse_contract(
        {
            "name": "t",
            "owner": "o",
            "columns": [
                {"name": "email", "type": "varchar", "tags": ["pii:EMAIL_ADDRESS"]},
                {"name": "gender", "type": "varchar", "tags": ["protected"]},
                {"name": "body", "type": "varchar", "tags": ["free_text"]},
                {"name": "price", "type": "decimal(10, 2)"},
            ],
        },
        source="t",
    )
    email, gender, body, price = contract.columns
    assert email.pii_entity == "EMAIL_ADDRESS"
    assert gender.is_protected
    assert not gender.pii_entity
    assert body.is_free_text
    assert price.type == "DECIMAL(10,2)"
    assert contract.column("EMAIL") is email
