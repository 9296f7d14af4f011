"""An analyst's path over HTTP against the demo: errors that name the problem (and never a
hidden name), the catalog as ``vector_search()`` sees it, per-document search with its scores,
and the three answer formats of ``/v1/sql``."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from tests.conftest import auth


def post(
    client: TestClient,
    key: str,
    sql: str,
    *,
    purpose: str | None = None,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> object:
    return client.post(
        "/v1/sql",
        json={"sql": sql},
        headers={**auth(key, purpose), **(headers or {})},
        params=params,
    )


def error_of(response: object) -> dict[str, str]:
    assert response.status_code == 400, response.text  # type: ignore[attr-defined]
    return response.json()["error"]  # type: ignore[attr-defined]


def test_misspelt_column_is_named_with_a_near_match(client: TestClient) -> None:
    error = error_of(post(client, "demo-alice", "SELECT nme FROM products"))
    assert error["message"].startswith("engine: unknown column nme; did you mean name?")


def test_misspelt_column_of_a_search_relation_is_named_with_a_near_match(
    client: TestClient,
) -> None:
    sql = "SELECT dense_scor FROM vector_search('tickets', 'refund', 3)"
    error = error_of(post(client, "demo-alice", sql))
    assert "did you mean dense_score?" in error["message"]


def test_misspelt_table_suggests_only_datasets_the_caller_may_see(client: TestClient) -> None:
    alice = error_of(post(client, "demo-alice", "SELECT * FROM hr_salarie"))
    assert alice["message"] == "unknown_table: unknown table hr_salarie"
    steward = error_of(post(client, "demo-dana", "SELECT * FROM hr_salarie", purpose="analytics"))
    assert "did you mean hr_salaries?" in steward["message"]
    close = error_of(post(client, "demo-alice", "SELECT * FROM custmers"))
    assert close["message"] == "unknown_table: unknown table custmers; did you mean customers?"


def test_hidden_table_answers_exactly_like_a_missing_one_with_suggestions(
    client: TestClient,
) -> None:
    hidden = error_of(post(client, "demo-alice", "SELECT * FROM hr_salaries"))
    missing = error_of(post(client, "demo-alice", "SELECT * FROM hr_salariez"))
    assert hidden["message"].replace("hr_salaries", "N") == missing["message"].replace(
        "hr_salariez", "N"
    )


def test_parse_error_gives_line_and_column(client: TestClient) -> None:
    error = error_of(post(client, "demo-alice", "SELECT name\nFROM products\nWHERE price = = 3"))
    assert error["message"].startswith("parse:")
    assert "at line 3, column" in error["message"]


@pytest.mark.parametrize("sql", ["DESCRIBE customers", "SHOW TABLES", "SUMMARIZE orders"])
def test_describe_show_and_summarize_point_to_the_catalog(client: TestClient, sql: str) -> None:
    error = error_of(post(client, "demo-alice", sql))
    assert error["message"].startswith("statement_type:")
    assert "is not run by the gateway" in error["message"]
    assert "GET /v1/catalog" in error["message"]


def test_method_call_hash_is_the_hash_of_the_masked_value(client: TestClient) -> None:
    sql = (
        "SELECT email.md5() AS method, md5(email) AS call, email "
        "FROM customers ORDER BY customer_id LIMIT 3"
    )
    response = post(client, "demo-alice", sql)
    assert response.status_code == 200, response.text
    for method, call, email in response.json()["rows"]:
        assert method == call == hashlib.md5(email.encode()).hexdigest()
        assert email == "<EMAIL_ADDRESS>"  # alice sees emails masked: the hash is of the mask


def test_catalog_lists_collections_with_payload_fields_and_search_columns(
    client: TestClient,
) -> None:
    body = client.get("/v1/catalog", headers=auth("demo-alice")).json()
    tickets = {c["name"]: c for c in body["collections"]}["tickets"]
    names = [column["name"] for column in tickets["vector_search_columns"]]
    assert names[:11] == [
        "chunk_id",
        "doc_id",
        "collection",
        "score",
        "text",
        "title",
        "source",
        "as_of",
        "stale",
        "dense_score",
        "lexical_score",
    ]
    fields = {field["name"]: field["type"] for field in tickets["payload_fields"]}
    assert fields == {
        "customer_id": "BIGINT",
        "reporter": "VARCHAR",
        "status": "VARCHAR",
        "ticket_id": "BIGINT",
    }
    assert names[11:] == sorted(fields)
    assert tickets["masked"]
    customers = {d["name"]: d for d in body["datasets"]}["customers"]
    email = {c["name"]: c for c in customers["columns"]}["email"]
    assert email == {
        "name": "email",
        "type": "VARCHAR",
        "tags": ["pii:EMAIL_ADDRESS"],
        "mask": "placeholder",
    }


def test_catalog_neither_names_nor_counts_collections_the_caller_may_not_see(
    client: TestClient,
) -> None:
    alice = client.get("/v1/catalog", headers=auth("demo-alice")).json()
    named = {c["name"] for c in alice["collections"]}
    assert "hr" not in named
    assert alice["collections_withheld"] == 0  # a count of 'hr' would tell her it exists


def test_vector_search_per_document_returns_one_row_per_document(client: TestClient) -> None:
    sql = (
        "SELECT count(*) AS n, count(DISTINCT doc_id) AS docs "
        "FROM vector_search('tickets', 'charged twice for my order', 40, 'documents')"
    )
    per_doc = post(client, "demo-alice", sql).json()["rows"][0]
    assert per_doc[0] == per_doc[1] == 40
    chunks = post(client, "demo-alice", sql.replace(", 'documents'", "")).json()["rows"][0]
    assert chunks[0] == 40


def test_vector_search_reports_dense_and_lexical_scores(client: TestClient) -> None:
    sql = (
        "SELECT score, dense_score, lexical_score "
        "FROM vector_search('tickets', 'charged twice', 5) ORDER BY score DESC"
    )
    rows = post(client, "demo-alice", sql).json()["rows"]
    assert len(rows) == 5
    for fused, dense, lexical in rows:
        assert 0 < fused < 1
        assert -1 <= dense <= 1
        assert lexical > 0  # every top hit holds the words


def test_vector_search_k_reaches_a_thousand_and_not_beyond(client: TestClient) -> None:
    ok = post(client, "demo-alice", "SELECT count(*) FROM vector_search('tickets', 'order', 1000)")
    assert ok.status_code == 200, ok.text
    assert ok.json()["rows"][0][0] > 50
    over = error_of(post(client, "demo-alice", "SELECT 1 FROM vector_search('t', 'q', 1001)"))
    assert over["message"].startswith("search_k:")


ORDERS = "SELECT order_id, total, ordered_at FROM orders ORDER BY order_id LIMIT 3"


def test_decimal_is_a_string_in_json_and_the_column_says_so(client: TestClient) -> None:
    body = post(client, "demo-alice", ORDERS).json()
    total = body["columns"][1]
    assert total["type"].startswith("DECIMAL")
    assert total["json_type"] == "string"
    assert all(isinstance(row[1], str) for row in body["rows"])
    assert body["columns"][0]["json_type"] == "number"


@pytest.mark.parametrize(
    ("headers", "params"),
    [({"Accept": "text/csv"}, None), (None, {"format": "csv"})],
)
def test_csv_by_accept_or_format(
    client: TestClient, headers: dict[str, str] | None, params: dict[str, str] | None
) -> None:
    as_json = post(client, "demo-alice", ORDERS).json()
    response = post(client, "demo-alice", ORDERS, headers=headers, params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["x-hqg-row-count"] == "3"
    assert response.headers["x-hqg-decision-id"]
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0] == ["order_id", "total", "ordered_at"]
    assert table[1:] == [[str(value) for value in row] for row in as_json["rows"]]


def test_arrow_stream_is_typed_and_carries_the_response(client: TestClient) -> None:
    as_json = post(client, "demo-alice", ORDERS).json()
    response = post(
        client, "demo-alice", ORDERS, headers={"Accept": "application/vnd.apache.arrow.stream"}
    )
    assert response.status_code == 200
    table = pa.ipc.open_stream(response.content).read_all()
    assert table.column_names == ["order_id", "total", "ordered_at"]
    assert table.schema.field("order_id").type == pa.int64()
    assert pa.types.is_decimal(table.schema.field("total").type)
    assert pa.types.is_timestamp(table.schema.field("ordered_at").type)
    assert [str(v) for v in table.column("total").to_pylist()] == [r[1] for r in as_json["rows"]]
    summary = json.loads(table.schema.metadata[b"hqg"])
    assert summary["masking"] == as_json["masking"]
    assert "rows" not in summary


def test_masked_values_stay_masked_in_every_format(client: TestClient) -> None:
    sql = "SELECT email FROM customers LIMIT 2"
    csv_text = post(client, "demo-alice", sql, params={"format": "csv"}).text
    arrow = post(client, "demo-alice", sql, params={"format": "arrow"}).content
    assert csv_text.splitlines()[1:] == ["<EMAIL_ADDRESS>", "<EMAIL_ADDRESS>"]
    assert pa.ipc.open_stream(arrow).read_all().column("email").to_pylist() == [
        "<EMAIL_ADDRESS>",
        "<EMAIL_ADDRESS>",
    ]


def test_unknown_format_is_refused_before_the_query_runs(client: TestClient) -> None:
    response = post(client, "demo-alice", "SELECT 1", params={"format": "xlsx"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter"
    assert "json, csv, arrow" in error["message"]


def test_unsupported_accept_falls_back_to_json(client: TestClient) -> None:
    response = post(client, "demo-alice", "SELECT 1 AS x", headers={"Accept": "text/html"})
    assert response.json()["rows"] == [[1]]


def test_csv_neutralises_text_cells_a_spreadsheet_would_run_as_formulas(
    client: TestClient,
) -> None:
    sql = (
        "SELECT '=HYPERLINK(\"http://evil.example\",\"x\")' AS link, '+1' AS plus, "
        "'-2' AS minus, '@SUM(A1)' AS at, 'plain' AS text, -5 AS n, "
        "CAST(-1.5 AS DECIMAL(4, 2)) AS d FROM products LIMIT 1"
    )
    response = post(client, "demo-alice", sql, params={"format": "csv"})
    assert response.status_code == 200, response.text
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[1] == [
        '\'=HYPERLINK("http://evil.example","x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "plain",
        "-5",
        "-1.50",
    ]
