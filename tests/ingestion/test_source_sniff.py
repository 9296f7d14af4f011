"""A sniffed CSV is loaded with the dialect found by the sniff, read exactly as DuckDB's own
sniffing read would read it (the load does not sniff the file a second time)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingestion.sources import SourceFile

AWKWARD: dict[str, bytes] = {
    "semicolons_quotes_crlf_bom.csv": (
        b'\xef\xbb\xbfa;b;"c d"\r\n1;"x;y";"multi\r\nline"\r\n2;"q""uote";\r\n3;;"tail"\r\n'
    ),
    "tabs.tsv": b'id\tname\tnote\n1\tAnn\tsays "hi"\n2\tBob\t\n',
    "pipes_single_quotes.csv": b"k|v\n1|'a|b'\n2|'c'\n",
    "duplicate_and_empty_headers.csv": b"a,a,,b\n1,2,3,4\n5,6,7,8\n",
    "quotes_in_header.csv": b'"it\'s","say ""x""",plain\n1,2,3\n',
    "preamble.csv": b"exported by tool v1\n\nid,name\n1,Ann\n2,Bob\n",
    "comments.csv": b"id,name\n# a comment line\n1,Ann\n# another\n2,Bob\n",
    "no_trailing_newline.csv": b"x,y\n1,2\n3,4",
    "one_column.csv": b"only\n1\n\n2\n",
    "backslash_escapes.csv": b'a,b\n1,"x\\"y"\n2,"plain"\n',
}


def _rows(scan: str) -> list[tuple[object, ...]]:
    with duckdb.connect(":memory:") as con:
        return con.execute(f"SELECT * FROM {scan}").fetchall()  # noqa: S608 (scan_sql's literal)


def _columns(scan: str) -> list[str]:
    with duckdb.connect(":memory:") as con:
        described = con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()  # noqa: S608
    return [row[0] for row in described]


@pytest.mark.parametrize("name", sorted(AWKWARD))
def test_a_sniffed_csv_reads_as_duckdbs_own_sniffing_read(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(AWKWARD[name])
    source = SourceFile.open(path)
    sniffed = source.sniff()
    explicit = source.scan_sql(all_varchar=True, sniffed=sniffed)
    sniffing = source.scan_sql(all_varchar=True)
    assert "auto_detect = false" in explicit
    assert list(sniffed.columns) == _columns(sniffing) == _columns(explicit)
    assert set(sniffed.columns.values()) == {"VARCHAR"}
    assert _rows(explicit) == _rows(sniffing)


def test_sniffed_options_are_literals_even_for_hostile_names(tmp_path: Path) -> None:
    path = tmp_path / "it's.csv"
    path.write_bytes(b'"a\'); DROP TABLE x; --",b\n1,2\n')
    source = SourceFile.open(path)
    scan = source.scan_sql(all_varchar=True, sniffed=source.sniff())
    assert _rows(scan) == [("1", "2")]
    assert _columns(scan) == ["a'); DROP TABLE x; --", "b"]


def test_a_sniffed_csv_is_only_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a\n1\n")
    source = SourceFile.open(path)
    with pytest.raises(ValueError, match="as text"):
        source.scan_sql(all_varchar=False, sniffed=source.sniff())


def test_other_formats_sniff_their_columns_only(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"a": 1, "b": "x"}\n', encoding="utf-8")
    source = SourceFile.open(path)
    sniffed = source.sniff()
    assert list(sniffed.columns) == ["a", "b"]
    assert source.scan_sql(all_varchar=True, sniffed=sniffed) == source.scan_sql(all_varchar=True)
