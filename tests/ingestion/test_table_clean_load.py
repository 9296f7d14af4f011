"""The one-pass load of a clean batch (``Staging.load_clean``) accepts exactly the batches the
row-by-row checks accept, and stores the same values: it is a faster path, not a looser one."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.contracts import DatasetContract, parse_contract
from ingestion.limits import IngestLimits
from ingestion.sources import SourceFile
from ingestion.staging import LoadCounts, Staging
from privacy.detector import PresidioDetector

# values whose parse differs between DuckDB's CSV reader and TRY_CAST, or that do not cast
AWKWARD = {
    "INTEGER": ["7", " 3 ", "1.5", "+4", "0x10", "1e3", "two", "9999999999", "-0", '"1,5"'],
    "BIGINT": ["9999999999", "1.2.3", "  "],
    "DOUBLE": ["1.5", " 2.5 ", "1e3", ".5", "NaN", "inf", '"1,5"', "lots"],
    "DECIMAL(10,2)": ["1.005", "12345678901", "3"],
    "DATE": ["2020-01-01", " 2020-01-02 ", "20200103", "2020-1-4", "2020/01/05", "01/02/2020"],
    "TIMESTAMP": ["2020-01-01 10:00:00", "2020-01-01T10:00:00Z", "2020-01-01", "10:00", "x"],
    "BOOLEAN": ["true", "yes", "T", "1", "y", "maybe"],
    "VARCHAR": ["plain", " padded ", "NULL", ""],
}
CASES = [(kind, value) for kind, values in AWKWARD.items() for value in values]


def _contract(kind: str, *, nullable: bool, key: tuple[str, ...] = ("id",)) -> DatasetContract:
    return parse_contract(
        {
            "name": "t",
            "owner": "test",
            "primary_key": list(key),
            "columns": [
                {"name": "id", "type": "BIGINT", "nullable": False},
                {"name": "v", "type": kind, "nullable": nullable},
            ],
        },
        source="test",
    )


def _load(
    tmp_path: Path, csv: Path, contract: DatasetContract, detector: PresidioDetector, *, clean: bool
) -> tuple[LoadCounts | None, list[tuple[object, ...]]]:
    name = "clean" if clean else "checked"
    source = SourceFile.open(csv)
    with Staging.open(
        tmp_path / f"{name}.duckdb", source, limits=IngestLimits(), progress=lambda *_: None
    ) as stage:
        if clean:
            counts = stage.load_clean(contract)
        else:
            stage.load_raw(all_varchar=True)
            counts = stage.check_and_load(contract, detector)
        if counts is None:
            return None, []
        return counts, stage.con.execute("SELECT * FROM data").fetchall()


def _assert_same_outcome(
    tmp_path: Path, csv: Path, contract: DatasetContract, detector: PresidioDetector
) -> None:
    clean, clean_rows = _load(tmp_path, csv, contract, detector, clean=True)
    checked, checked_rows = _load(tmp_path, csv, contract, detector, clean=False)
    assert checked is not None
    if checked.bad:
        assert clean is None, "a batch with a bad row must take the checked path"
    else:
        assert clean == checked
        assert repr(clean_rows) == repr(checked_rows)  # repr: NaN equals itself


@pytest.mark.parametrize("nullable", [True, False])
@pytest.mark.parametrize(("kind", "value"), CASES)
def test_clean_load_accepts_what_the_row_checks_accept_with_the_same_values(
    tmp_path: Path, detector: PresidioDetector, kind: str, value: str, nullable: bool
) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text(f"id,v\n1,{value}\n2,\n", encoding="utf-8")
    _assert_same_outcome(tmp_path, csv, _contract(kind, nullable=nullable), detector)


@pytest.mark.parametrize(
    "body",
    [
        "1,a,x\n1,b,y\n1,a,z\n",  # (1, a) twice
        "1,a,x\n1,b,y\n2,a,z\n",  # distinct pairs sharing parts
        "1,a,x\n,a,y\n",  # a key part missing
    ],
)
def test_clean_load_refuses_a_duplicated_or_missing_composite_key_like_the_row_checks(
    tmp_path: Path, detector: PresidioDetector, body: str
) -> None:
    contract = parse_contract(
        {
            "name": "t",
            "owner": "test",
            "primary_key": ["id", "part"],
            "columns": [
                {"name": "id", "type": "BIGINT"},
                {"name": "part", "type": "VARCHAR"},
                {"name": "v", "type": "VARCHAR"},
            ],
        },
        source="test",
    )
    csv = tmp_path / "t.csv"
    csv.write_text("id,part,v\n" + body, encoding="utf-8")
    _assert_same_outcome(tmp_path, csv, contract, detector)


def test_clean_load_leaves_no_table_behind_when_it_declines(
    tmp_path: Path, detector: PresidioDetector
) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text("id,v\n1,ok\n1,again\n", encoding="utf-8")
    source = SourceFile.open(csv)
    with Staging.open(
        tmp_path / "s.duckdb", source, limits=IngestLimits(), progress=lambda *_: None
    ) as stage:
        assert stage.load_clean(_contract("VARCHAR", nullable=True)) is None
        tables = stage.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        assert tables == []


def test_staging_reads_try_cast_as_try_cast_even_where_duckdb_would_push_it_into_the_reader(
    tmp_path: Path,
) -> None:
    """DuckDB 2.0 turns a lone ``TRY_CAST`` over a CSV column into a strict typed read; the
    staging connection must not, or a bad value fails the load instead of flagging its row."""
    csv = tmp_path / "t.csv"
    csv.write_text("a\n1\ntwo\n", encoding="utf-8")
    source = SourceFile.open(csv)
    with Staging.open(
        tmp_path / "s.duckdb", source, limits=IngestLimits(), progress=lambda *_: None
    ) as stage:
        scan = source.scan_sql(all_varchar=True)
        values = stage.con.execute(f"SELECT TRY_CAST(a AS INTEGER) FROM {scan}").fetchall()
    assert values == [(1,), (None,)]


def _dense_keys(tmp_path: Path, ids: list[int]) -> Path:
    csv = tmp_path / "t.csv"
    csv.write_text("id,v\n" + "".join(f"{i},x\n" for i in ids), encoding="utf-8")
    return csv


def test_the_key_check_counts_a_dense_integer_key_with_a_perfect_hash(tmp_path: Path) -> None:
    """20,000 consecutive ids need 15 bits, over DuckDB's default of 12: the check raises it
    to about twice the batch's rows, so the distinct count skips hashing."""
    from ingestion.checks import clean_check_select

    contract = _contract("VARCHAR", nullable=True)
    source = SourceFile.open(_dense_keys(tmp_path, list(range(20_000))))
    with Staging.open(
        tmp_path / "s.duckdb", source, limits=IngestLimits(), progress=lambda *_: None
    ) as stage:
        counts = stage.load_clean(contract)
        plan = stage.con.execute("EXPLAIN " + clean_check_select(contract, "data")).fetchall()
    assert counts is not None
    assert counts.good == 20_000
    assert "Perfect Hash Group By" in plan[0][1]


@pytest.mark.parametrize(
    "ids",
    [
        [*range(20_000), 19_999],  # dense, duplicated at the end
        [*range(0, 20_000 * 1_000_003, 1_000_003), 0],  # sparse (ordinary hash), duplicated
        [*range(0, 20_000 * 1_000_003, 1_000_003)],  # sparse, clean
        [*range(-10_000, 10_000)],  # dense across zero, clean
    ],
)
def test_the_key_check_finds_a_duplicate_in_dense_and_sparse_integer_keys(
    tmp_path: Path, detector: PresidioDetector, ids: list[int]
) -> None:
    csv = _dense_keys(tmp_path, ids)
    _assert_same_outcome(tmp_path, csv, _contract("VARCHAR", nullable=True), detector)
